package system

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"
)

// ordersPhase measures durable orders per second: the order transaction at
// the store level without and with group commit, then POST /v1/orders on
// the whole system in this process. Each row is read against the fsync
// rate; when the fsync phase ran, the disk is measured again after these
// rows and they are read against the mean of both, since a shared disk
// drifts.
func (b *bench) ordersPhase(ctx context.Context) ([]benchRow, error) {
	rows := append([]benchRow{b.storeOrders(ctx, false), b.storeOrders(ctx, true)}, b.httpOrders(ctx)...)
	fsync := b.rate("fsync", "")
	if fsync > 0 && ctx.Err() == nil {
		again, err := b.fsyncPhase(ctx)
		again[0].name += " (again, after orders)"
		rows = append(rows, again[0])
		if err == nil {
			fsync = (fsync + again[0].rate()) / 2
		}
	}
	var errs []error
	for i := range rows {
		if rows[i].phase == "orders" {
			rows[i].ratio = ratio(rows[i].rate(), fsync, "fsync")
		}
		if rows[i].err != nil {
			errs = append(errs, rows[i].err)
		}
	}
	return rows, errors.Join(errs...)
}

// httpOrders starts the real system (embedded NATS, SQLite with
// synchronous=FULL and group commit) and has clients place orders over
// HTTP for --duration; only 201 Created counts. A second row waits, after
// the load, until every event the orders caused has been relayed and
// handled: the rate the whole pipeline sustains, not only the API.
func (b *bench) httpOrders(ctx context.Context) []benchRow {
	name := fmt.Sprintf("HTTP POST /v1/orders, whole system, %d clients", b.opts.clients)
	fail := func(err error) []benchRow { return []benchRow{{phase: "orders", name: name, err: err}} }
	base, client, stopSystem, err := b.startSystem(ctx, "system", func(*Config) {})
	if err != nil {
		return fail(err)
	}
	defer stopSystem()
	batch := `{"ref":"bench-batch","sku":"BENCH-SKU","qty":10000000,"eta":null}`
	if err := post(ctx, client, base+"/v1/batches", batch); err != nil {
		return fail(err)
	}
	res := closedLoop(ctx, b.opts.clients, b.opts.duration, b.opts.timeout, func(ctx context.Context) error {
		return post(ctx, client, base+"/v1/orders", benchOrderBody)
	})
	accepted := res.row("orders", name)
	settled, err := b.settle(ctx, client, base)
	e2e := benchRow{phase: "orders", name: "  same orders, until all events relayed and handled",
		ops: res.ok, elapsed: res.elapsed + settled.after, err: err, note: settled.String()}
	return []benchRow{accepted, e2e}
}

// startSystem runs the whole system on a fresh data directory under the
// bench's scratch directory (durable defaults, HTTP on a free port), waits
// until it is ready and returns its base URL, an HTTP client sized for
// --clients and the function that stops both.
func (b *bench) startSystem(ctx context.Context, dir string, adjust func(*Config)) (string, *http.Client, func(), error) {
	cfg := Default()
	cfg.DataDir, cfg.HTTP, cfg.LogLevel = filepath.Join(b.dir, dir), "127.0.0.1:0", "warn"
	cfg.ShutdownTimeout = 10 * time.Second
	adjust(&cfg)
	runCtx, stop := context.WithCancel(ctx)
	s, err := New(runCtx, cfg, NewLogger(cfg, b.stderr))
	if err != nil {
		stop()
		return "", nil, nil, err
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	client := benchHTTPClient(b.opts.clients, b.opts.timeout)
	cleanup := func() {
		client.CloseIdleConnections()
		b.stopSystem(stop, done, cfg.ShutdownTimeout+15*time.Second)
	}
	base := "http://" + s.Addr()
	if err := waitReady(ctx, client, base, done, 30*time.Second); err != nil {
		cleanup()
		return "", nil, nil, err
	}
	return base, client, cleanup, nil
}

// stopSystem ends Run and waits for it, at most wait.
func (b *bench) stopSystem(stop context.CancelFunc, done <-chan error, wait time.Duration) {
	stop()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintf(b.stderr, "bench: system stopped with: %v\n", err)
		}
	case <-time.After(wait):
		fmt.Fprintf(b.stderr, "bench: system did not stop within %s\n", wait)
	}
}

// benchHTTPClient keeps one idle connection per client, so that the
// benchmark measures requests rather than TCP handshakes.
func benchHTTPClient(clients int, timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = clients*2, clients*2
	return &http.Client{Transport: t, Timeout: timeout}
}

// waitReady polls /readyz until it answers 200, Run fails, or limit passes.
func waitReady(ctx context.Context, c *http.Client, base string, done <-chan error, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := c.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-done:
			return fmt.Errorf("system stopped before it was ready: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("system not ready after %s: %w", limit, ctx.Err())
		case <-tick.C:
		}
	}
}

// post sends a JSON body and wants 201 Created.
func post(ctx context.Context, c *http.Client, url, body string) error {
	return postWant(ctx, c, url, body, http.StatusCreated)
}
