package scm

import (
	"context"
	"testing"
	"time"

	"github.com/banchan/banchan/internal/scm/contract"
)

type deadlineView struct {
	Deadlines []struct {
		Stage string
		DueAt time.Time
		Fired bool
	}
}

func (h *harness) deadlines(order string) deadlineView {
	h.t.Helper()
	var v deadlineView
	h.call("GET", "/v1/fulfilments/"+order, "", 200, &v)
	return v
}

func (h *harness) fireDue() int {
	h.t.Helper()
	n, err := h.svc.process.FireDue(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// TestAllocationDeadline: an order not allocated in time raises
// FulfilmentDelayed once, even across restarts; one allocated in time
// raises nothing.
func TestAllocationDeadline(t *testing.T) {
	h := newHarness(t, Options{AllocationDeadline: 10 * time.Minute})
	h.addBatch("b-1", "KIMCHI-500G", 10)
	h.allocate("o-late", item("MANDU-1KG", 1))
	h.allocate("o-ok", item("KIMCHI-500G", 1))
	h.allocate("o-soon", item("BULGOGI-1KG", 1))

	late := h.deadlines("o-late")
	if len(late.Deadlines) != 1 || late.Deadlines[0].Stage != "ALLOCATION" || !late.Deadlines[0].DueAt.Equal(t0.Add(10*time.Minute)) ||
		late.Deadlines[0].Fired {
		t.Fatalf("deadlines of o-late: %+v", late.Deadlines)
	}
	if ok := h.deadlines("o-ok"); len(ok.Deadlines) != 0 {
		t.Errorf("o-ok was allocated in time, yet has deadlines %+v", ok.Deadlines)
	}
	h.clock.Advance(5 * time.Minute)
	if n := h.fireDue(); n != 0 {
		t.Fatalf("%d deadlines fired before they were due", n)
	}
	h.addBatch("b-2", "BULGOGI-1KG", 5) // o-soon is allocated before its deadline

	h.clock.Advance(6 * time.Minute)
	h.opts.DeadlinePoll = 5 * time.Millisecond
	h.restart()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.svc.Run(ctx) }()
	eventually(t, 5*time.Second, "FulfilmentDelayed", func() bool { return len(h.events(contract.TypeFulfilmentDelayed)) > 0 })
	cancel()
	<-done

	h.restart()
	if n := h.fireDue(); n != 0 {
		t.Errorf("%d deadlines fired again after a restart", n)
	}
	delayed := h.events(contract.TypeFulfilmentDelayed)
	var e contract.FulfilmentDelayed
	if len(delayed) != 1 || delayed[0].Decode(&e) != nil || e.FulfilmentOrderID != "o-late" || e.Stage != "ALLOCATION" ||
		!e.Deadline.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("delays %v %+v, want one for o-late", delayed, e)
	}
	if cmd := h.events(contract.TypeFulfilmentBackordered); delayed[0].CorrelationID != cmd[0].CorrelationID {
		t.Errorf("FulfilmentDelayed is not in the order's causal chain")
	}
	if v := h.deadlines("o-late"); len(v.Deadlines) != 1 || !v.Deadlines[0].Fired {
		t.Errorf("o-late deadlines %+v, want one fired", v.Deadlines)
	}
	if v := h.deadlines("o-soon"); len(v.Deadlines) != 0 {
		t.Errorf("o-soon deadlines %+v, want cleared", v.Deadlines)
	}
}
