package systemtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestTwoSCMProcessesShareOneSKU runs the SCM twice on one PostgreSQL
// schema (scaled out: neither process may keep products in memory) and has
// many clients allocate one SKU through both at once, while one batch
// shrinks and the other grows through either process. Optimistic
// concurrency across the processes must hold: no batch gives more than it
// holds, every line is allocated once or waits, a line that waits while
// stock is free would be a lost update, and the log holds one
// LineAllocated per allocation made.
func TestTwoSCMProcessesShareOneSKU(t *testing.T) {
	if testing.Short() {
		t.Skip("external servers: skipped under -short")
	}
	scm, _ := startSCMs(t)
	ctx := context.Background()
	for _, b := range []map[string]any{
		{"ref": "so-wh", "sku": "SO-KIMCHI", "qty": 60, "eta": nil},
		{"ref": "so-ship", "sku": "SO-KIMCHI", "qty": 40, "eta": "2030-01-01"},
	} {
		if resp, err := scm[0].do(ctx, http.MethodPost, "/add_batch", b, nil); err != nil || resp.status != http.StatusCreated {
			t.Fatalf("add_batch %v: %v %d %s", b["ref"], err, resp.status, resp.body)
		}
	}

	const clients, perClient = 16, 10 // 160 lines of 1 for 100 units, then 90
	var (
		wg       sync.WaitGroup
		answered atomic.Int64
		full     = make(chan struct{}) // closed when 100 lines are answered
	)
	errs := make(chan string, clients*perClient+2)
	for c := range clients {
		wg.Go(func() {
			for i := range perClient {
				body := map[string]any{"orderid": fmt.Sprintf("so-%d-%d", c, i), "sku": "SO-KIMCHI", "qty": 1}
				resp, err := scm[(c+i)%2].do(ctx, http.MethodPost, "/allocate", body, nil)
				if err != nil || resp.status != http.StatusAccepted {
					errs <- fmt.Sprintf("allocate %v: %v %d %s", body["orderid"], err, resp.status, resp.body)
				}
				if answered.Add(1) == 100 {
					close(full)
				}
			}
		})
	}
	// Once the batches are about full, the warehouse batch shrinks (damage)
	// through one process and the shipment grows, then shrinks back, through
	// the other, while the last lines come in.
	for i, change := range []struct {
		ref string
		qty []int
	}{{"so-wh", []int{55, 50}}, {"so-ship", []int{45, 40}}} {
		wg.Go(func() {
			<-full
			for _, q := range change.qty {
				resp, err := scm[i].do(ctx, http.MethodPatch, "/v1/batches/"+change.ref, map[string]any{"qty": q}, nil)
				if err != nil || resp.status != http.StatusOK {
					errs <- fmt.Sprintf("PATCH %s qty %d: %v %d %s", change.ref, q, err, resp.status, resp.body)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}

	// Both processes read the same product.
	var views [2]struct {
		Version int `json:"version"`
		Batches []struct {
			Ref       string `json:"ref"`
			Qty       int    `json:"qty"`
			Allocated int    `json:"allocated"`
		} `json:"batches"`
		Backorders []struct {
			OrderID string `json:"orderid"`
		} `json:"backorders"`
	}
	for i, c := range scm {
		if code, err := c.getJSON(ctx, "/v1/products/SO-KIMCHI?limit=1000", &views[i]); err != nil || code != http.StatusOK {
			t.Fatalf("product from scm-%d: %d %v", i+1, code, err)
		}
	}
	p := views[0]
	if views[1].Version != p.Version {
		t.Errorf("the processes disagree on the product's version: %d and %d", p.Version, views[1].Version)
	}
	allocated := map[string]int{}
	for _, b := range p.Batches {
		if b.Allocated != b.Qty {
			t.Errorf("batch %s: %d of %d allocated, with %d lines waiting", b.Ref, b.Allocated, b.Qty, len(p.Backorders))
		}
		allocated[b.Ref] = b.Allocated
	}
	waiting := map[string]bool{}
	for _, b := range p.Backorders {
		if waiting[b.OrderID] {
			t.Errorf("order %s waits twice", b.OrderID)
		}
		waiting[b.OrderID] = true
	}

	// Every order's line is on a batch or waiting, never both; the batches'
	// totals are the lines that point at them.
	perBatch := map[string]int{}
	for c := range clients {
		for i := range perClient {
			id := fmt.Sprintf("so-%d-%d", c, i)
			resp, err := scm[i%2].do(ctx, http.MethodGet, "/allocations/"+id, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			switch resp.status {
			case http.StatusNotFound:
				if !waiting[id] {
					t.Errorf("order %s is neither allocated nor waiting", id)
				}
			case http.StatusOK:
				var lines []struct {
					BatchRef string `json:"batchref"`
				}
				if err := json.Unmarshal(resp.body, &lines); err != nil || len(lines) != 1 {
					t.Fatalf("allocations of %s: %s (%v), want one line", id, resp.body, err)
				}
				if waiting[id] {
					t.Errorf("order %s is allocated to %s and waiting", id, lines[0].BatchRef)
				}
				perBatch[lines[0].BatchRef]++
			default:
				t.Fatalf("GET /allocations/%s: %d %s", id, resp.status, resp.body)
			}
		}
	}
	for ref, n := range allocated {
		if perBatch[ref] != n {
			t.Errorf("batch %s: allocated %d, but %d lines point at it", ref, n, perBatch[ref])
		}
	}
	if got := allocated["so-wh"] + allocated["so-ship"]; got != 90 || len(waiting) != clients*perClient-90 {
		t.Errorf("%d allocated and %d waiting, want 90 and %d", got, len(waiting), clients*perClient-90)
	}
	// The log tells the same story: each allocation made, first or again,
	// is one LineAllocated, and each taken out one LineDeallocated.
	made, err := countEvents(ctx, scm[1], "LineAllocated")
	if err != nil {
		t.Fatal(err)
	}
	taken, err := countEvents(ctx, scm[0], "LineDeallocated")
	if err != nil {
		t.Fatal(err)
	}
	if made-taken != 90 || taken == 0 {
		t.Errorf("%d LineAllocated and %d LineDeallocated in the log, want a difference of 90 (and some taken out)", made, taken)
	}
	t.Logf("product version %d: %v allocated, %d waiting; %d allocations made, %d taken out", p.Version, allocated, len(waiting), made, taken)
}

// TestReservationsExpireOnceAcrossSCMProcesses: carts reserve stock through
// two SCM processes on one schema; both run the expiry, and each
// reservation is released exactly once.
func TestReservationsExpireOnceAcrossSCMProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("external servers: skipped under -short")
	}
	scm, _ := startSCMs(t, "--reservation-ttl", "1s")
	ctx := context.Background()
	if err := scm[0].addBatch(ctx, "so-res", "SO-RES", 30); err != nil {
		t.Fatal(err)
	}
	const carts = 20
	var wg sync.WaitGroup
	errs := make(chan string, carts)
	for i := range carts {
		wg.Go(func() {
			resp, err := scm[i%2].do(ctx, http.MethodPost, fmt.Sprintf("/v1/carts/so-cart-%d/items", i),
				map[string]any{"sku": "SO-RES", "qty": 1}, nil)
			if err != nil || resp.status != http.StatusCreated {
				errs <- fmt.Sprintf("reserve for cart %d: %v %d %s", i, err, resp.status, resp.body)
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Fatal(msg)
	}
	if err := eventually(ctx, 30*time.Second, func() error {
		for i, c := range scm {
			b, err := c.batch(ctx, "so-res")
			if err != nil {
				return err
			}
			if b.Reserved != 0 || b.Allocated != 0 {
				return fmt.Errorf("scm-%d: batch so-res holds %d reserved, %d allocated", i+1, b.Reserved, b.Allocated)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	reserved, err := countEvents(ctx, scm[0], "StockReserved")
	if err != nil {
		t.Fatal(err)
	}
	released, err := countEvents(ctx, scm[1], "ReservationReleased")
	if err != nil {
		t.Fatal(err)
	}
	if reserved != carts || released != carts {
		t.Errorf("%d StockReserved and %d ReservationReleased in the log, want %d of each", reserved, released, carts)
	}
}

// startSCMs starts two SCM processes on one PostgreSQL schema and one
// stream of this test's own, with extra flags, and returns their clients.
func startSCMs(t *testing.T, extra ...string) ([]*client, []*proc) {
	t.Helper()
	e := newExternals(t)
	schema := e.schema(t, "scaleout")
	var (
		clients []*client
		procs   []*proc
	)
	for i := range 2 {
		args := append(e.args(schema), "--services", "scm", "--data-dir", t.TempDir(),
			"--nats-stream", e.stream, "--nats-prefix", e.prefix)
		p := start(t, fmt.Sprintf("scm-%d", i+1), append(args, extra...)...)
		clients, procs = append(clients, newClient(p.url())), append(procs, p)
	}
	return clients, procs
}

// TestRedisSubscriberIsElectedAcrossSCMProcesses: of two SCM processes on
// one schema with --redis-url, one subscribes to change_batch_quantity and
// the other stands by (every subscriber hears every message, so two would
// apply each change twice); when the subscribed one is killed, the other
// takes over.
func TestRedisSubscriberIsElectedAcrossSCMProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("external servers: skipped under -short")
	}
	rdb, url := redisClient(t)
	scm, procs := startSCMs(t, "--redis-url", url)
	ctx := context.Background()
	var leader int
	if err := eventually(ctx, 30*time.Second, func() error {
		states := make([]string, len(scm))
		for i, c := range scm {
			var r struct {
				Checks map[string]string `json:"checks"`
			}
			if _, err := c.getJSON(ctx, "/readyz", &r); err != nil {
				return err
			}
			states[i] = r.Checks["redis"]
		}
		switch {
		case states[0] == "ok" && strings.HasPrefix(states[1], "standby"):
			leader = 0
		case states[1] == "ok" && strings.HasPrefix(states[0], "standby"):
			leader = 1
		default:
			return fmt.Errorf("redis checks %q, want one ok and one standby", states)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	standby := 1 - leader

	// Batch refs of this run's own: the channel is global.
	ref := "so-redis-" + randomHex(t)
	if err := scm[standby].addBatch(ctx, ref, "SO-REDIS", 10); err != nil {
		t.Fatal(err)
	}
	changeTo := func(qty int, via *client) {
		t.Helper()
		if err := rdb.Publish(ctx, "change_batch_quantity", fmt.Sprintf(`{"batchref":%q,"qty":%d}`, ref, qty)).Err(); err != nil {
			t.Fatal(err)
		}
		if err := eventually(ctx, 15*time.Second, func() error {
			b, err := via.batch(ctx, ref)
			if err != nil || b.Qty != qty {
				return fmt.Errorf("batch %s: qty %d (%v), want %d", ref, b.Qty, err, qty)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	changeTo(7, scm[standby])
	if n := redisReceived(ctx, t, scm[standby]); n != 0 {
		t.Errorf("the standby process received %d change_batch_quantity messages, want 0", n)
	}

	procs[leader].kill(t)
	if err := eventually(ctx, 30*time.Second, func() error {
		var r struct {
			Checks map[string]string `json:"checks"`
		}
		if _, err := scm[standby].getJSON(ctx, "/readyz", &r); err != nil {
			return err
		}
		if r.Checks["redis"] != "ok" {
			return fmt.Errorf("redis check of the survivor: %q", r.Checks["redis"])
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	changeTo(5, scm[standby])
}

// redisClient connects to the test Redis (BANCHAN_TEST_REDIS_URL), or skips
// or fails as requireService does, and returns the client and the URL.
func redisClient(t *testing.T) (*redis.Client, string) {
	t.Helper()
	url := envOr("BANCHAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("BANCHAN_TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	requireService(t, "Redis at "+url, rdb.Ping(ctx).Err())
	return rdb, url
}

// redisReceived reads banchan_redis_received_total off a process's /metrics.
func redisReceived(ctx context.Context, t *testing.T, c *client) int {
	t.Helper()
	resp, err := c.do(ctx, http.MethodGet, "/metrics", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(resp.body), "\n") {
		if strings.HasPrefix(line, "banchan_redis_received_total") {
			n, err := strconv.Atoi(line[strings.LastIndexByte(line, ' ')+1:])
			if err != nil {
				t.Fatalf("metrics line %q: %v", line, err)
			}
			return n
		}
	}
	t.Fatalf("no banchan_redis_received_total on /metrics")
	return 0
}
