package scm

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/messages"
)

// failing subscribes a handler that fails while on is set, after the
// service's own handlers of T.
func failing[T any](h *harness, when func(T) bool) *atomic.Bool {
	var on atomic.Bool
	on.Store(true)
	bus.Subscribe(h.svc.bus, func(_ context.Context, _ event.Tx, m T) error {
		if on.Load() && when(m) {
			return errors.New("test: module down")
		}
		return nil
	})
	return &on
}

// TestModulesShareOneTransaction: when a later module fails on the bus,
// the earlier modules' writes in the same transaction are rolled back too.
func TestModulesShareOneTransaction(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "KIMCHI-500G", 10)

	// A module failing on FulfilmentAllocated undoes the allocation itself.
	down := failing(h, func(messages.FulfilmentAllocated) bool { return true })
	err := h.command(contract.TypeAllocateFulfilmentOrder, "o-1", contract.AllocateFulfilmentOrder{
		FulfilmentOrderID: "o-1", Items: []contract.Item{item("KIMCHI-500G", 4)}})
	if err == nil {
		t.Fatal("allocation succeeded with a failing module")
	}
	if h.available("KIMCHI-500G") != 10 || len(h.events(contract.TypeFulfilmentAllocated)) != 0 {
		t.Errorf("inventory's writes survived: available %d", h.available("KIMCHI-500G"))
	}
	h.call("GET", "/v1/fulfilments/o-1", "", 404, nil)
	if tasks := h.list("/v1/kitchen/tasks?orderId=o-1"); len(tasks) != 0 {
		t.Errorf("kitchen's writes survived: %v", tasks)
	}
	down.Store(false)
	h.allocate("o-1", item("KIMCHI-500G", 4)) // the redelivery is not a duplicate: nothing was recorded
	if h.available("KIMCHI-500G") != 6 {
		t.Errorf("available %d after the retry, want 6", h.available("KIMCHI-500G"))
	}

	// A warehouse stage failing undoes the kitchen's step over HTTP.
	task := h.task("o-1")
	h.call("POST", "/v1/kitchen/tasks/"+task.ID+"/start", "", 200, nil)
	down = failing(h, func(m messages.Progressed) bool { return m.Stage == messages.StageAwaitingPick })
	if code, body := h.do("POST", "/v1/kitchen/tasks/"+task.ID+"/done", ""); code != 500 {
		t.Fatalf("done with a failing module: %d %s, want 500", code, body)
	}
	if got := h.task("o-1").Status; got != "COOKING" {
		t.Errorf("task %s, want COOKING (rolled back)", got)
	}
	if n := len(h.events(contract.TypeFulfilmentCooked, contract.TypeShippingInstructed)); n != 0 {
		t.Errorf("%d events of the failed step in the outbox", n)
	}
	if ss := h.list("/v1/warehouse/shipments?orderId=o-1"); len(ss) != 0 {
		t.Errorf("warehouse's writes survived: %v", ss)
	}
	down.Store(false)
	h.call("POST", "/v1/kitchen/tasks/"+task.ID+"/done", "", 200, nil)
	if h.shipment("o-1").Status != "AWAITING_PICK" {
		t.Error("no shipment after the retry")
	}
}
