package systemtest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestSplitProcesses runs each service in a process of its own, sharing one
// PostgreSQL schema (and so one log, relayed by the elected process) and one
// stream: orders placed at the ordering process reach ALLOCATED through the
// SCM adapter and the SCM.
func TestSplitProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("external servers: skipped under -short")
	}
	e := newExternals(t)
	schema := e.schema(t, "split")
	run := func(service string, extra ...string) *proc {
		args := append(e.args(schema), "--services", service, "--data-dir", t.TempDir(),
			"--nats-stream", e.stream, "--nats-prefix", e.prefix)
		return start(t, service, append(args, extra...)...)
	}
	scm := run("scm")
	run("scm-adapter", "--scm-url", scm.url())
	ordering := run("ordering", "--scm-url", scm.url())
	ctx := context.Background()
	sc, oc := newClient(scm.url()), newClient(ordering.url())

	// The ordering process asks the SCM's catalog over HTTP.
	p, err := oc.placeOrder(ctx, newOrder("split-unknown", "NOT-STOCKED", 1), "")
	if err != nil || p.status != http.StatusUnprocessableEntity {
		t.Errorf("order for a SKU the SCM does not know: status %d err %v, want 422", p.status, err)
	}
	if err := sc.addBatch(ctx, "split-1", "SPLIT-KIMCHI", 20); err != nil {
		t.Fatal(err)
	}
	var ids []string
	want := 0
	for i := range 6 {
		qty := 1 + i%3
		p, err := oc.placeOrder(ctx, newOrder(fmt.Sprintf("split-%d", i), "SPLIT-KIMCHI", qty), fmt.Sprintf("split-key-%d", i))
		if err != nil || p.status != http.StatusCreated {
			t.Fatalf("place order %d: status %d err %v %s", i, p.status, err, p.body)
		}
		ids, want = append(ids, p.id), want+qty
	}
	began := time.Now()
	views, err := awaitFinal(ctx, oc, ids, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for id, v := range views {
		if v.Status != "ALLOCATED" || v.Lines[0].BatchRef != "split-1" {
			t.Errorf("order %s: %s on batch %q, want ALLOCATED on split-1", id, v.Status, v.Lines[0].BatchRef)
		}
	}
	b, err := sc.batch(ctx, "split-1")
	if err != nil {
		t.Fatal(err)
	}
	if b.Allocated != want {
		t.Errorf("batch split-1: %d allocated, want %d", b.Allocated, want)
	}
	t.Logf("%d orders ALLOCATED across three processes in %v; batch allocated %d of %d",
		len(views), time.Since(began).Round(time.Millisecond), b.Allocated, b.Qty)
}
