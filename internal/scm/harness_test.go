package scm

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
	"sync"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/event/postgres"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
	"github.com/banchan/banchan/internal/scm/contract"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// harness is the SCM service on a real store (SQLite; PostgreSQL for the
// subtests of TestOnPostgres), with its HTTP API.
type harness struct {
	t     *testing.T
	path  string // the SQLite file
	pg    string // the PostgreSQL schema, or ""
	opts  Options
	clock *clock
	store *sqlstore.Store
	svc   *Service
	mux   *http.ServeMux
}

func testLog(*testing.T) *slog.Logger { return slog.New(slog.DiscardHandler) }

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "x.db"), opts: opts, clock: &clock{now: t0}}
	if h.opts.Now == nil {
		h.opts.Now = h.clock.Now
	}
	if strings.HasPrefix(t.Name(), "TestOnPostgres/") {
		h.pg = fmt.Sprintf("scm_test_%d_%d", time.Now().UnixNano(), rand.IntN(1_000_000))
	}
	h.open()
	if h.pg != "" {
		t.Cleanup(func() {
			if err := postgres.DropSchema(context.Background(), eventtest.PostgresURL(), h.pg); err != nil {
				t.Logf("drop schema %s: %v", h.pg, err)
			}
		})
	}
	return h
}

func (h *harness) openStore(ctx context.Context) (*sqlstore.Store, error) {
	if h.pg == "" {
		return sqlite.Open(ctx, h.path, sqlite.Options{Logger: testLog(h.t)})
	}
	st, err := postgres.Open(ctx, eventtest.PostgresURL(), postgres.Options{Schema: h.pg, Logger: testLog(h.t)})
	eventtest.RequireService(h.t, "PostgreSQL at "+eventtest.PostgresURL(), err)
	return st, err
}

func (h *harness) open() {
	h.t.Helper()
	ctx := context.Background()
	st, err := h.openStore(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = st.Close() })
	svc, err := New(ctx, st, st, h.opts, testLog(h.t))
	if err != nil {
		h.t.Fatal(err)
	}
	h.store, h.svc, h.mux = st, svc, http.NewServeMux()
	svc.Routes(h.mux)
}

// restart closes the store and builds a new service on the same file.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.store.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
}

// command hands a command to the service's bound (inbox-backed) handler.
func (h *harness) command(typ, orderID string, data any) error {
	h.t.Helper()
	env, err := event.New(contract.CommandTopic, typ, "/test", orderID, data)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.svc.handlers(Name)[typ](context.Background(), env)
}

func (h *harness) allocate(orderID string, items ...contract.Item) {
	h.t.Helper()
	if err := h.command(contract.TypeAllocateFulfilmentOrder, orderID, contract.AllocateFulfilmentOrder{
		FulfilmentOrderID: orderID, Items: items, ShipTo: contract.ShipTo{Consignee: "Kim"}}); err != nil {
		h.t.Fatalf("allocate %s: %v", orderID, err)
	}
}

func (h *harness) cancel(orderID string) {
	h.t.Helper()
	if err := h.command(contract.TypeCancelFulfilmentOrder, orderID,
		contract.CancelFulfilmentOrder{FulfilmentOrderID: orderID, Reason: "customer"}); err != nil {
		h.t.Fatalf("cancel %s: %v", orderID, err)
	}
}

func item(code string, qty int) contract.Item { return contract.Item{ItemCode: code, Quantity: qty} }

// do sends a request to the API; body "" sends none.
func (h *harness) do(method, path, body string) (int, string) {
	h.t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, path, nil)
	} else {
		r = httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.mux.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// call sends a request, checks the status and decodes the answer into out.
func (h *harness) call(method, path, body string, want int, out any) {
	h.t.Helper()
	code, resp := h.do(method, path, body)
	if code != want {
		h.t.Fatalf("%s %s: %d %s, want %d", method, path, code, resp, want)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp), out); err != nil {
			h.t.Fatalf("%s %s: decode %s: %v", method, path, resp, err)
		}
	}
}

func (h *harness) addBatch(ref, sku string, qty int) {
	h.t.Helper()
	h.call("POST", "/v1/batches", `{"ref":"`+ref+`","sku":"`+sku+`","qty":`+itoa(qty)+`,"eta":null}`, 201, nil)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func (h *harness) available(sku string) int {
	h.t.Helper()
	var p struct{ Available int }
	h.call("GET", "/v1/products/"+sku, "", 200, &p)
	return p.Available
}

// record is what tests read of a task, shipment, delivery or purchase order.
type record struct {
	ID, OrderID, Status, SKU string
	Quantity                 int
}

// list returns the records at path (a list endpoint: {"items": [...]}).
func (h *harness) list(path string) []record {
	h.t.Helper()
	var page struct{ Items []record }
	h.call("GET", path, "", 200, &page)
	return page.Items
}

// only lists the records at path and wants exactly one.
func (h *harness) only(path string) record {
	h.t.Helper()
	items := h.list(path)
	if len(items) != 1 {
		h.t.Fatalf("GET %s: %+v, want one", path, items)
	}
	return items[0]
}

func (h *harness) task(order string) record {
	return h.only("/v1/kitchen/tasks?orderId=" + order)
}

func (h *harness) shipment(order string) record {
	return h.only("/v1/warehouse/shipments?orderId=" + order)
}

func (h *harness) delivery(order string) record {
	return h.only("/v1/deliveries?orderId=" + order)
}

// stage is the order's stage in the process manager.
func (h *harness) stage(order string) string {
	h.t.Helper()
	var v struct{ Stage string }
	h.call("GET", "/v1/fulfilments/"+order, "", 200, &v)
	return v.Stage
}

// events returns the log's events of these types, in position order.
func (h *harness) events(types ...string) []event.Envelope {
	h.t.Helper()
	envs, err := h.store.QueryLog(context.Background(), event.LogQuery{Types: types, Limit: 10000})
	if err != nil {
		h.t.Fatal(err)
	}
	return envs
}

// stream returns the types of an order's fulfilment stream, in order.
func (h *harness) stream(order string) []string {
	h.t.Helper()
	envs, err := h.store.QueryLog(context.Background(), event.LogQuery{Stream: "scm/fulfilment-" + order, Limit: 10000})
	if err != nil {
		h.t.Fatal(err)
	}
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.Type
	}
	return out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond) // a poll interval, not a wait for an outcome
	}
}
