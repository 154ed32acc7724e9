package ordering_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/event/postgres"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
	"github.com/banchan/banchan/internal/ordering"
	"github.com/banchan/banchan/internal/ordering/contract"
	adapter "github.com/banchan/banchan/internal/scmadapter/contract"
)

// subscription is the name the composition root gives ordering's
// subscription (and so its inbox).
const subscription = ordering.Name

// catalog knows every SKU but UNKNOWN.
type catalog struct{}

func (catalog) Resolve(_ context.Context, sku string) (string, bool, error) {
	return sku, sku != "UNKNOWN", nil
}

// env is an ordering service on a fresh SQLite store, its HTTP API and its
// bound handlers.
type env struct {
	t        *testing.T
	ctx      context.Context
	store    *sqlstore.Store
	mux      *http.ServeMux
	handlers map[string]event.HandlerFunc
}

// opener opens a fresh, empty store for one test and closes it at its end.
type opener func(t *testing.T) *sqlstore.Store

func openSQLite(t *testing.T) *sqlstore.Store {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// openPostgres opens a store in a schema of the test's own, dropped at its
// end; it skips (or fails, with BANCHAN_REQUIRE_SERVICES=1) without a
// server at BANCHAN_TEST_POSTGRES_URL.
func openPostgres(t *testing.T) *sqlstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := eventtest.PostgresURL()
	schema := fmt.Sprintf("ordering_test_%d_%d", time.Now().UnixNano(), rand.IntN(1_000_000))
	store, err := postgres.Open(ctx, url, postgres.Options{Schema: schema, Logger: slog.New(slog.DiscardHandler)})
	eventtest.RequireService(t, "PostgreSQL at "+url, err)
	t.Cleanup(func() {
		store.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := postgres.DropSchema(ctx, url, schema); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	return store
}

func newEnv(t *testing.T, open opener) *env {
	t.Helper()
	ctx := context.Background()
	store := open(t)
	log := slog.New(slog.DiscardHandler)
	svc, err := ordering.New(ctx, store, store, catalog{}, log)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	svc.Routes(mux)
	return &env{t: t, ctx: ctx, store: store, mux: mux, handlers: svc.Handlers(subscription)}
}

// do sends a request to the API and returns the status and body.
func (e *env) do(method, path, body string, header ...string) (int, []byte, http.Header) {
	e.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes(), w.Header()
}

// doRaw sends a request with an explicit content type ("" for none).
func (e *env) doRaw(method, path, body, contentType string) (int, []byte, http.Header) {
	e.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes(), w.Header()
}

// json sends a request, checks the status and decodes the answer into out.
func (e *env) json(method, path, body string, want int, out any) {
	e.t.Helper()
	code, b, _ := e.do(method, path, body)
	if code != want {
		e.t.Fatalf("%s %s: %d %s, want %d", method, path, code, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// order is the part of GET /v1/orders/{id} the tests read.
type order struct {
	ID             string    `json:"id"`
	CustomerID     string    `json:"customerId"`
	Status         string    `json:"status"`
	PlacedAt       time.Time `json:"placedAt"`
	Carrier        string    `json:"carrier"`
	TrackingNumber string    `json:"trackingNumber"`
	History        []struct {
		Status string    `json:"status"`
		At     time.Time `json:"at"`
		Reason string    `json:"reason"`
	} `json:"history"`
	Delays []struct {
		Stage    string    `json:"stage"`
		Deadline time.Time `json:"deadline"`
	} `json:"delays"`
	Cancellation *struct {
		Reason              string     `json:"reason"`
		FulfilmentStoppedAt *time.Time `json:"fulfilmentStoppedAt"`
		FulfilmentStage     string     `json:"fulfilmentStage"`
	} `json:"cancellation"`
	CancellationRejected *struct {
		Stage  string `json:"stage"`
		Reason string `json:"reason"`
	} `json:"cancellationRejected"`
}

func (o order) statuses() string {
	s := make([]string, len(o.History))
	for i, h := range o.History {
		s[i] = h.Status
	}
	return strings.Join(s, ",")
}

func orderBody(customer string) string {
	return `{"customerId":"` + customer + `","lines":[{"sku":"KIMCHI-500G","qty":2,"unitPrice":5900}],
		"deliveryAddress":{"name":"Kim","line1":"1 Road","postcode":"06000"}}`
}

// place places an order over HTTP and returns its id.
func (e *env) place(customer string) string {
	e.t.Helper()
	var o order
	e.json("POST", "/v1/orders", orderBody(customer), http.StatusCreated, &o)
	return o.ID
}

func (e *env) order(id string) order {
	e.t.Helper()
	var o order
	e.json("GET", "/v1/orders/"+id, "", http.StatusOK, &o)
	return o
}

// logged returns the envelopes of type typ in the log (subject "" for all).
func (e *env) logged(typ, subject string) []event.Envelope {
	e.t.Helper()
	envs, err := e.store.QueryLog(e.ctx, event.LogQuery{Type: typ, Subject: subject, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return envs
}

// loggedOne returns the one envelope of type typ about subject.
func (e *env) loggedOne(typ, subject string) event.Envelope {
	e.t.Helper()
	envs := e.logged(typ, subject)
	if len(envs) != 1 {
		e.t.Fatalf("%d %s events for %s in the log, want 1", len(envs), typ, subject)
	}
	return envs[0]
}

// handle delivers env to its bound handler, as the consumer would, and
// returns the handler's error.
func (e *env) handle(env event.Envelope) error {
	e.t.Helper()
	h, ok := e.handlers[env.Type]
	if !ok {
		e.t.Fatalf("no handler for %s", env.Type)
	}
	// The broker carries the marshalled envelope; decode it the same way.
	b, err := env.Marshal()
	if err != nil {
		e.t.Fatal(err)
	}
	wire, err := event.Unmarshal(b)
	if err != nil {
		e.t.Fatal(err)
	}
	return h(e.ctx, wire)
}

// deliver handles env and fails the test on an error.
func (e *env) deliver(env event.Envelope) {
	e.t.Helper()
	if err := e.handle(env); err != nil {
		e.t.Fatalf("handle %s %s: %v", env.Type, env.ID, err)
	}
}

// adapterEvent builds an SCM adapter envelope about order id.
func (e *env) adapterEvent(typ, id string, data any) event.Envelope {
	e.t.Helper()
	env, err := event.New(adapter.Topic, typ, adapter.Source, id, data)
	if err != nil {
		e.t.Fatal(err)
	}
	return env
}

func (e *env) progressed(id, status string, at time.Time) event.Envelope {
	return e.adapterEvent(adapter.TypeOrderProgressed, id, adapter.OrderProgressed{OrderID: id, Status: status, At: at})
}

func (e *env) allocated(id string, rev int64) event.Envelope {
	return e.adapterEvent(adapter.TypeOrderAllocated, id, adapter.OrderAllocated{OrderID: id, Revision: rev,
		Lines: []adapter.LineAllocation{{SKU: "KIMCHI-500G", Qty: 2, BatchRef: "b-1"}}})
}

func (e *env) backordered(id string, rev int64) event.Envelope {
	return e.adapterEvent(adapter.TypeOrderBackordered, id, adapter.OrderBackordered{OrderID: id, Revision: rev,
		Missing: []adapter.MissingLine{{SKU: "KIMCHI-500G", Qty: 2}}})
}

// placedEvent is the OrderPlaced the service logged for order id.
func (e *env) placedEvent(id string) event.Envelope {
	e.t.Helper()
	return e.loggedOne(contract.TypeOrderPlaced, id)
}

// customer is GET /v1/customers/{id}.
type customer struct {
	ID             string     `json:"id"`
	Tier           string     `json:"tier"`
	OrderCount     int        `json:"orderCount"`
	PlacedCount    int        `json:"placedCount"`
	CancelledCount int        `json:"cancelledCount"`
	VipSince       *time.Time `json:"vipSince"`
}

func (e *env) customer(id string) customer {
	e.t.Helper()
	var c customer
	e.json("GET", "/v1/customers/"+id, "", http.StatusOK, &c)
	return c
}

// count is SELECT COUNT(*) FROM from (a table and its WHERE clause).
func (e *env) count(from string) int {
	e.t.Helper()
	var n int
	if err := e.store.Read().QueryRowContext(e.ctx, "SELECT COUNT(*) FROM "+from).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}
