package systemtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
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
	e := newExternals(t)
	schema := e.schema(t, "scaleout")
	run := func(name string) *client {
		p := start(t, name, append(e.args(schema), "--services", "scm", "--data-dir", t.TempDir(),
			"--nats-stream", e.stream, "--nats-prefix", e.prefix)...)
		return newClient(p.url())
	}
	scm := []*client{run("scm-1"), run("scm-2")}
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
		if code, err := c.getJSON(ctx, "/v1/products/SO-KIMCHI", &views[i]); err != nil || code != http.StatusOK {
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
