package system_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/banchan/banchan/internal/system"
	"github.com/banchan/banchan/internal/testenv"
)

// TestConcurrentAllocationsNeverOversell: many clients allocate one SKU at
// once; the batches never give more than they hold, every line is either
// allocated once or waiting, and every version conflict was resolved.
func TestConcurrentAllocationsNeverOversell(t *testing.T) {
	t.Parallel()
	onEachEngine(t, func(t *testing.T, e *testenv.Env) {
		e.JSON("POST", "/add_batch", `{"ref":"wh","sku":"HOT-SKU","qty":50,"eta":null}`, 201, nil)
		e.JSON("POST", "/add_batch", `{"ref":"ship","sku":"HOT-SKU","qty":30,"eta":"2030-01-01"}`, 201, nil)
		const clients, perClient = 16, 8 // 128 lines of 1 for 80 units
		var wg sync.WaitGroup
		errs := make(chan string, clients*perClient)
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perClient; i++ {
					body := fmt.Sprintf(`{"orderid":"o-%d-%d","sku":"HOT-SKU","qty":1}`, c, i)
					if code, b := e.Do("POST", "/allocate", body, nil); code != 202 {
						errs <- fmt.Sprintf("%s: %d %s", body, code, b)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for msg := range errs {
			t.Error(msg)
		}
		var p struct {
			Batches []struct {
				Ref       string
				Qty       int
				Allocated int
			}
			Backorders []struct{ OrderID string }
		}
		e.JSON("GET", "/v1/products/HOT-SKU?limit=1000", "", 200, &p)
		allocated := 0
		for _, b := range p.Batches {
			if b.Allocated > b.Qty {
				t.Errorf("batch %s oversold: %d of %d", b.Ref, b.Allocated, b.Qty)
			}
			allocated += b.Allocated
		}
		rows := e.Count("scm_allocations WHERE item_code = 'HOT-SKU'")
		if allocated != 80 || rows != 80 || len(p.Backorders) != clients*perClient-80 {
			t.Errorf("allocated %d (%d rows), waiting %d; want 80, 80, %d", allocated, rows, len(p.Backorders), clients*perClient-80)
		}
		if n := e.Count("event_log WHERE type = 'LineAllocated'"); n != 80 {
			t.Errorf("%d LineAllocated events, want 80", n)
		}
		// Every conflict was resolved by a retry, and /metrics says so.
		_, metrics := e.Do("GET", "/metrics", "", nil)
		counter := func(name string) int {
			t.Helper()
			prefix := "banchan_inventory_" + name + `_total{component="inventory"} `
			for _, line := range strings.Split(string(metrics), "\n") {
				if v, ok := strings.CutPrefix(line, prefix); ok {
					n, err := strconv.Atoi(v)
					if err != nil {
						t.Fatalf("%s: %v", line, err)
					}
					return n
				}
			}
			t.Fatalf("no %s on /metrics", prefix)
			return 0
		}
		if n := counter("conflicts_exhausted"); n != 0 {
			t.Errorf("%d commands gave up on version conflicts, want 0", n)
		}
		if strings.HasSuffix(t.Name(), "/sqlite") && counter("cache_hits") == 0 {
			t.Error("no product cache hits on SQLite, where the cache is on")
		}
		t.Logf("%d version conflicts retried, cache hits %d, misses %d",
			counter("version_conflicts"), counter("cache_hits"), counter("cache_misses"))
	})
}

// TestConcurrentBatchesWithOneRef: clients add a batch of the same ref to
// different SKUs at once; one is added, every other gets 400 "already
// exists", never a 500, on both engines.
func TestConcurrentBatchesWithOneRef(t *testing.T) {
	t.Parallel()
	onEachEngine(t, func(t *testing.T, e *testenv.Env) {
		const rounds, clients = 8, 4
		for r := 0; r < rounds; r++ {
			var wg sync.WaitGroup
			codes := make(chan string, clients)
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body := fmt.Sprintf(`{"ref":"dup-%d","sku":"DUP-%d-%d","qty":5,"eta":null}`, r, r, c)
					code, b := e.Do("POST", "/add_batch", body, nil)
					if code == 400 && !strings.Contains(string(b), "already exists") {
						code = -code
					}
					codes <- strconv.Itoa(code)
				}()
			}
			wg.Wait()
			close(codes)
			var got []string
			for c := range codes {
				got = append(got, c)
			}
			if n := strings.Count(strings.Join(got, ","), "201"); n != 1 || strings.Count(strings.Join(got, ","), "400") != clients-1 {
				t.Errorf("round %d: statuses %v; want one 201 and %d 400 \"already exists\"", r, got, clients-1)
			}
			if rows := e.Count(fmt.Sprintf("scm_batches WHERE ref = 'dup-%d'", r)); rows != 1 {
				t.Errorf("round %d: %d batches, want 1", r, rows)
			}
		}
	})
}

// onEachEngine runs test in parallel on a system over SQLite and on one
// over the machine's PostgreSQL.
func onEachEngine(t *testing.T, test func(t *testing.T, e *testenv.Env)) {
	for _, engine := range []struct {
		name string
		opts func(t *testing.T) []func(*system.Config)
	}{
		{"sqlite", func(*testing.T) []func(*system.Config) { return nil }},
		{"postgres", func(t *testing.T) []func(*system.Config) { return []func(*system.Config){testenv.Postgres(t)} }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			test(t, testenv.Start(t, engine.opts(t)...))
		})
	}
}
