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
)

// TestAllocationsSurviveKill posts the book's /allocate from 16 clients
// while the all-in-one process is killed with SIGKILL, twice (the answer
// comes after a group commit's WAL fsync, which runs beside the next
// batch). After the restarts every allocation answered 202 is there, each
// order's line once; the batches' totals are exactly the lines found
// (answered or not: a commit whose answer the kill swallowed counts too);
// and the event log holds one LineAllocated per line, all relayed.
func TestAllocationsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 loop: skipped under -short")
	}
	dir := t.TempDir()
	ctx := context.Background()
	p := start(t, "alloc-1", "--data-dir", dir)
	c := newClient(p.url())
	const skus = 4
	for i := range skus {
		if err := c.addBatch(ctx, fmt.Sprintf("kb-%d", i), fmt.Sprintf("KILL-%d", i), 1_000_000); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu    sync.Mutex
		acked = map[string]bool{}
		seq   atomic.Int64
	)
	for round := 1; round <= 2; round++ {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					n := seq.Add(1)
					id := "kill-order-" + strconv.FormatInt(n, 10)
					body := map[string]any{"orderid": id, "sku": fmt.Sprintf("KILL-%d", n%skus), "qty": 1}
					resp, err := c.do(ctx, http.MethodPost, "/allocate", body, nil)
					if err == nil && resp.status == http.StatusAccepted {
						mu.Lock()
						acked[id] = true
						mu.Unlock()
					}
				}
			})
		}
		target := 200 * round
		if err := eventually(ctx, 30*time.Second, func() error {
			mu.Lock()
			defer mu.Unlock()
			if len(acked) < target {
				return fmt.Errorf("%d of %d allocations answered", len(acked), target)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		p.kill(t)
		close(stop)
		wg.Wait()
		p = start(t, fmt.Sprintf("alloc-%d", round+1), "--data-dir", dir)
		c.point(p.url())
	}

	perBatch := map[string]int{}
	lines := 0
	for n := int64(1); n <= seq.Load(); n++ {
		id := "kill-order-" + strconv.FormatInt(n, 10)
		var got []struct {
			SKU      string `json:"sku"`
			BatchRef string `json:"batchref"`
		}
		resp, err := c.do(ctx, http.MethodGet, "/allocations/"+id, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case resp.status == http.StatusNotFound && !acked[id]:
			continue // never committed: its answer never came
		case resp.status != http.StatusOK:
			t.Fatalf("GET /allocations/%s (answered 202: %v): %d %s", id, acked[id], resp.status, resp.body)
		}
		if err := json.Unmarshal(resp.body, &got); err != nil || len(got) != 1 {
			t.Fatalf("allocations of %s: %s (%v); want one line", id, resp.body, err)
		}
		perBatch[got[0].BatchRef]++
		lines++
	}
	mu.Lock()
	answered := len(acked)
	mu.Unlock()
	if lines < answered {
		t.Fatalf("%d lines found, fewer than the %d answered", lines, answered)
	}
	for i := range skus {
		ref := fmt.Sprintf("kb-%d", i)
		b, err := c.batch(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if b.Allocated != perBatch[ref] {
			t.Errorf("batch %s: allocated %d, but %d lines point at it", ref, b.Allocated, perBatch[ref])
		}
	}
	// One LineAllocated per line in the log, and the relay catches up.
	if err := eventually(ctx, 30*time.Second, func() error {
		events, err := countEvents(ctx, c, "LineAllocated")
		if err != nil {
			return err
		}
		if events != lines {
			return fmt.Errorf("%d LineAllocated in the log for %d lines", events, lines)
		}
		return relayCaughtUp(ctx, c)
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d allocations answered, %d committed, over 2 kills", answered, lines)
}

// countEvents counts the log's events of a type, page by page.
func countEvents(ctx context.Context, c *client, typ string) (int, error) {
	n, after := 0, int64(0)
	for {
		var page struct {
			Count int   `json:"count"`
			Next  int64 `json:"next"`
		}
		if _, err := c.getJSON(ctx, fmt.Sprintf("/v1/events?type=%s&after=%d&limit=1000", typ, after), &page); err != nil {
			return 0, err
		}
		n += page.Count
		if page.Count < 1000 {
			return n, nil
		}
		after = page.Next
	}
}

// relayCaughtUp reports whether the outbox relay has published the whole
// log (banchan_outbox_lag 0 on /metrics).
func relayCaughtUp(ctx context.Context, c *client) error {
	resp, err := c.do(ctx, http.MethodGet, "/metrics", nil, nil)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(resp.body), "\n") {
		if v, ok := strings.CutPrefix(line, "banchan_outbox_lag "); ok {
			if strings.TrimSpace(v) != "0" {
				return fmt.Errorf("outbox lag %s", v)
			}
			return nil
		}
	}
	return fmt.Errorf("no banchan_outbox_lag on /metrics")
}

// TestReservationsExpireOnceAcrossAKill: carts hold stock in a process
// killed with SIGKILL within the second the holds last; the next process
// is killed as soon as the first releases show (perhaps in the middle of
// a pass); after the third start every hold is released exactly once (one
// ReservationReleased each) and all the stock is free again.
func TestReservationsExpireOnceAcrossAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9: skipped under -short")
	}
	dir := t.TempDir()
	ctx := context.Background()
	args := []string{"--data-dir", dir, "--reservation-ttl", "1s"}
	p := start(t, "res-1", args...)
	c := newClient(p.url())
	// A pass releases SKU by SKU, each in its transaction: several SKUs let
	// a kill fall between them.
	const carts, skus = 12, 6
	for k := range skus {
		if err := c.addBatch(ctx, fmt.Sprintf("kr-%d", k), fmt.Sprintf("KILL-RES-%d", k), carts/skus); err != nil {
			t.Fatal(err)
		}
	}
	for i := range carts {
		resp, err := c.do(ctx, http.MethodPost, fmt.Sprintf("/v1/carts/kill-cart-%d/items", i),
			map[string]any{"sku": fmt.Sprintf("KILL-RES-%d", i%skus), "qty": 1}, nil)
		if err != nil || resp.status != http.StatusCreated {
			t.Fatalf("reserve for cart %d: %v %d %s", i, err, resp.status, resp.body)
		}
	}
	p.kill(t) // within the second the holds last: none released yet, or some
	p = start(t, "res-2", args...)
	c.point(p.url())
	// Kill again as soon as the first releases show, to stop a pass
	// midway if it is one.
	if err := eventually(ctx, 30*time.Second, func() error {
		n, err := countEvents(ctx, c, "ReservationReleased")
		if err != nil || n == 0 {
			return fmt.Errorf("no release yet (%v)", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p.kill(t)
	p = start(t, "res-3", args...)
	c.point(p.url())
	if err := eventually(ctx, 30*time.Second, func() error {
		for k := range skus {
			b, err := c.batch(ctx, fmt.Sprintf("kr-%d", k))
			if err != nil {
				return err
			}
			if b.Available != carts/skus {
				return fmt.Errorf("batch kr-%d: %d of %d units free", k, b.Available, carts/skus)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	released, err := countEvents(ctx, c, "ReservationReleased")
	if err != nil {
		t.Fatal(err)
	}
	if released != carts {
		t.Errorf("%d ReservationReleased in the log for %d holds, want one each", released, carts)
	}
}
