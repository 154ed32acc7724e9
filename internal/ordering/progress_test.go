package ordering_test

import (
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	adapter "github.com/banchan/banchan/internal/scmadapter/contract"
)

// testLateAndDuplicateProgressNeverMovesBack delivers the SCM's news out of
// order and twice (redeliveries with the same id, and republishes with new
// ids): the status only ever moves forward.
func testLateAndDuplicateProgressNeverMovesBack(t *testing.T, e *env) {
	id := e.place("c-1")
	t0 := time.Now().UTC()
	cooking := e.progressed(id, "COOKING", t0)
	packed := e.progressed(id, "PACKED", t0.Add(2*time.Minute))
	shipped := e.adapterEvent(adapter.TypeOrderProgressed, id, adapter.OrderProgressed{OrderID: id,
		Status: "SHIPPED", At: t0.Add(3 * time.Minute), Carrier: "CJ", TrackingNumber: "CJ-123"})
	steps := []struct {
		env  event.Envelope
		want string
	}{
		{e.allocated(id, 1), "ALLOCATED"},
		{cooking, "COOKING"},
		{cooking, "COOKING"},
		{e.backordered(id, 2), "COOKING"},
		{packed, "PACKED"},
		{e.progressed(id, "PICKED_UP", t0.Add(time.Minute)), "PACKED"},
		{e.progressed(id, "COOKING", t0), "PACKED"},
		{e.allocated(id, 1), "PACKED"},
		{shipped, "SHIPPED"},
		{packed, "SHIPPED"},
		{e.progressed(id, "PACKED", t0.Add(2*time.Minute)), "SHIPPED"},
		{e.progressed(id, "DELIVERED", t0.Add(time.Hour)), "DELIVERED"},
		{shipped, "DELIVERED"},
		{e.progressed(id, "SHIPPED", t0.Add(3*time.Minute)), "DELIVERED"},
	}
	for i, s := range steps {
		e.deliver(s.env)
		if o := e.order(id); o.Status != s.want {
			t.Fatalf("step %d (%s): status %s, want %s", i, s.env.Type, o.Status, s.want)
		}
	}
	o := e.order(id)
	if got := o.statuses(); got != "PLACED,ALLOCATED,COOKING,PACKED,SHIPPED,DELIVERED" {
		t.Errorf("history %s", got)
	}
	if !o.History[2].At.Equal(t0) || o.Carrier != "CJ" || o.TrackingNumber != "CJ-123" {
		t.Errorf("cooking at %v (want %v), carrier %q %q", o.History[2].At, t0, o.Carrier, o.TrackingNumber)
	}
}

// testCancelledOrderIgnoresProgress: CANCELLED is final; the SCM's
// confirmation and a rejection are recorded on the order, the status stays.
func testCancelledOrderIgnoresProgress(t *testing.T, e *env) {
	id := e.place("c-1")
	e.deliver(e.allocated(id, 1))
	e.deliver(e.progressed(id, "COOKING", time.Now()))
	e.json("POST", "/v1/orders/"+id+"/cancel", `{"reason":"too slow"}`, 200, nil)
	e.deliver(e.progressed(id, "PACKED", time.Now()))
	stopped := e.adapterEvent(adapter.TypeOrderFulfilmentCancelled, id,
		adapter.OrderFulfilmentCancelled{OrderID: id, Stage: "COOKING", At: time.Now().UTC()})
	e.deliver(stopped)
	e.deliver(stopped)
	o := e.order(id)
	if o.Status != "CANCELLED" || o.statuses() != "PLACED,ALLOCATED,COOKING,CANCELLED" ||
		o.Cancellation == nil || o.Cancellation.Reason != "too slow" || o.Cancellation.FulfilmentStoppedAt == nil ||
		o.Cancellation.FulfilmentStage != "COOKING" {
		t.Errorf("cancelled order %+v (cancellation %+v)", o, o.Cancellation)
	}
}

// testCancellationRejectedStaysVisible: the SCM had shipped before it saw
// the cancellation. The order keeps its status and shows the rejection and
// the parcel's carrier.
func testCancellationRejectedStaysVisible(t *testing.T, e *env) {
	id := e.place("c-1")
	e.deliver(e.progressed(id, "PACKED", time.Now()))
	e.json("POST", "/v1/orders/"+id+"/cancel", "", 200, nil)
	e.deliver(e.adapterEvent(adapter.TypeOrderCancellationRejected, id,
		adapter.OrderCancellationRejected{OrderID: id, Stage: "SHIPPED", Reason: "parcel left the warehouse"}))
	e.deliver(e.adapterEvent(adapter.TypeOrderProgressed, id, adapter.OrderProgressed{OrderID: id,
		Status: "SHIPPED", At: time.Now(), Carrier: "CJ", TrackingNumber: "CJ-9"}))
	o := e.order(id)
	if o.Status != "CANCELLED" || o.CancellationRejected == nil || o.CancellationRejected.Stage != "SHIPPED" ||
		o.CancellationRejected.Reason != "parcel left the warehouse" || o.TrackingNumber != "CJ-9" {
		t.Errorf("order %+v (rejection %+v)", o, o.CancellationRejected)
	}
}

func testDelaysAreRecordedOnce(t *testing.T, e *env) {
	id := e.place("c-1")
	deadline := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	delayed := e.adapterEvent(adapter.TypeOrderDelayed, id,
		adapter.OrderDelayed{OrderID: id, Stage: "COOKING", Deadline: deadline})
	e.deliver(delayed)
	e.deliver(delayed)
	again := delayed
	again.ID = event.NewID()
	e.deliver(again)
	o := e.order(id)
	if len(o.Delays) != 1 || o.Delays[0].Stage != "COOKING" || !o.Delays[0].Deadline.Equal(deadline) {
		t.Errorf("delays %+v", o.Delays)
	}
}

// testNewsThatCanNeverApplyIsPermanent: an unknown order, a stage that is
// not one, and a fulfilment stop for an order that is not cancelled go to
// the dead letters at once; retrying would not change them.
func testNewsThatCanNeverApplyIsPermanent(t *testing.T, e *env) {
	id := e.place("c-1")
	cases := map[string]event.Envelope{
		"unknown order": e.progressed("nope", "COOKING", time.Now()),
		"not a stage":   e.progressed(id, "LOST", time.Now()),
		"backwards":     e.progressed(id, "PLACED", time.Now()),
		"stop of an active order": e.adapterEvent(adapter.TypeOrderFulfilmentCancelled, id,
			adapter.OrderFulfilmentCancelled{OrderID: id, Stage: "COOKING", At: time.Now()}),
		"delay of an unknown order": e.adapterEvent(adapter.TypeOrderDelayed, "nope",
			adapter.OrderDelayed{OrderID: "nope", Stage: "COOKING", Deadline: time.Now()}),
	}
	for name, env := range cases {
		if err := e.handle(env); !event.IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent error", name, err)
		}
	}
	if o := e.order(id); o.Status != "PLACED" || o.Cancellation != nil {
		t.Errorf("order changed: %+v", o)
	}
}
