// Package testenv starts the whole system in-process for component tests:
// real SQLite under t.TempDir(), the embedded JetStream server, HTTP on a
// free port. It stops it in t.Cleanup.
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/event/postgres"
	"github.com/banchan/banchan/internal/system"
)

// Env is a running system.
type Env struct {
	T      testing.TB
	Sys    *system.System
	Base   string
	Client *http.Client
	Config system.Config
	stop   func()
}

// Stop shuts the system down (as SIGTERM would) and waits for it.
func (e *Env) Stop() { e.stop() }

// WithDataDir runs on dir (to restart on the same data).
func WithDataDir(dir string) func(*system.Config) { return func(c *system.Config) { c.DataDir = dir } }

// Start runs the system with cfg adjusted by the options (fast retries,
// no fsync: component tests test behaviour, not durability).
func Start(t testing.TB, opts ...func(*system.Config)) *Env {
	t.Helper()
	cfg := system.Default()
	cfg.HTTP = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.NoSync = true
	cfg.RetryBase, cfg.RetryMax, cfg.MaxDeliveries = 20*time.Millisecond, 100*time.Millisecond, 3
	cfg.LogLevel = "warn"
	for _, o := range opts {
		o(&cfg)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	sys, err := system.New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("start system: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- sys.Run(ctx) }()
	e := &Env{T: t, Sys: sys, Base: "http://" + sys.Addr(), Client: &http.Client{Timeout: 10 * time.Second}, Config: cfg}
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("system run: %v", err)
			}
		})
	}
	t.Cleanup(e.stop)
	e.Eventually(10*time.Second, "ready", func() bool {
		code, _ := e.Do("GET", "/readyz", "", nil)
		return code == http.StatusOK
	})
	return e
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// Do sends a request (body as JSON with content type application/json
// unless headers say otherwise) and returns the status and body.
func (e *Env) Do(method, path, body string, headers map[string]string) (int, []byte) {
	e.T.Helper()
	var r io.Reader
	if body != "" {
		r = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, e.Base+path, r)
	if err != nil {
		e.T.Fatalf("request: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// JSON does a request, expects status want and decodes the body into out.
func (e *Env) JSON(method, path, body string, want int, out any) {
	e.T.Helper()
	code, b := e.Do(method, path, body, nil)
	if code != want {
		e.T.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.T.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// Eventually polls cond until it holds or the timeout passes.
func (e *Env) Eventually(timeout time.Duration, what string, cond func() bool) {
	e.T.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			e.T.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Count returns SELECT COUNT(*) FROM table.
func (e *Env) Count(table string) int {
	e.T.Helper()
	var n int
	if err := e.Sys.Store().Read().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		e.T.Fatalf("count %s: %v", table, err)
	}
	return n
}

// Order is the part of GET /v1/orders/{id} tests look at.
type Order struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Lines  []struct {
		SKU      string `json:"sku"`
		Qty      int    `json:"qty"`
		BatchRef string `json:"batchRef"`
	} `json:"lines"`
	History []struct {
		Status string `json:"status"`
	} `json:"history"`
}

// OrderBody is a valid order request for sku and qty.
func OrderBody(customer, sku string, qty int) string {
	b, _ := json.Marshal(map[string]any{"customerId": customer,
		"lines":           []map[string]any{{"sku": sku, "qty": qty, "unitPrice": 5900}},
		"deliveryAddress": map[string]string{"name": "Kim", "line1": "1 Road", "postcode": "06000"}})
	return string(b)
}

// AddBatch adds a warehouse batch.
func (e *Env) AddBatch(ref, sku string, qty int) {
	e.T.Helper()
	b, _ := json.Marshal(map[string]any{"ref": ref, "sku": sku, "qty": qty, "eta": nil})
	e.JSON("POST", "/v1/batches", string(b), http.StatusCreated, nil)
}

// PlaceOrder places an order and returns its id.
func (e *Env) PlaceOrder(customer, sku string, qty int) string {
	e.T.Helper()
	var o Order
	e.JSON("POST", "/v1/orders", OrderBody(customer, sku, qty), http.StatusCreated, &o)
	return o.ID
}

// WaitStatus polls the order until it has status want.
func (e *Env) WaitStatus(id, want string) Order {
	e.T.Helper()
	var o Order
	e.Eventually(10*time.Second, "order "+id+" "+want, func() bool {
		e.JSON("GET", "/v1/orders/"+id, "", http.StatusOK, &o)
		return o.Status == want
	})
	return o
}

// Postgres switches the store to the test PostgreSQL server
// (BANCHAN_TEST_POSTGRES_URL), in a schema of the test's own that is
// dropped when it ends; it skips (or fails, with BANCHAN_REQUIRE_SERVICES=1)
// when the server is unreachable.
func Postgres(t testing.TB) func(*system.Config) {
	t.Helper()
	url := eventtest.PostgresURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	schema := fmt.Sprintf("testenv_%d_%d", time.Now().UnixNano(), rand.IntN(1_000_000))
	store, err := postgres.Open(ctx, url, postgres.Options{Schema: schema, Logger: slog.New(slog.DiscardHandler)})
	eventtest.RequireService(t, "PostgreSQL at "+url, err)
	_ = store.Close()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := postgres.DropSchema(ctx, url, schema); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	return func(c *system.Config) { c.PostgresURL, c.PostgresSchema = url, schema }
}
