package scm

import (
	"testing"

	"github.com/banchan/banchan/internal/scm/contract"
)

// advance drives order o-1 to a stage through the operator endpoints.
func advance(h *harness, to string) {
	h.t.Helper()
	steps := []func() string{
		func() string { return "/v1/kitchen/tasks/" + h.task("o-1").ID + "/start" },
		func() string { return "/v1/kitchen/tasks/" + h.task("o-1").ID + "/done" },
		func() string { return "/v1/warehouse/shipments/" + h.shipment("o-1").ID + "/pick" },
		func() string { return "/v1/warehouse/shipments/" + h.shipment("o-1").ID + "/pack" },
	}
	for _, path := range steps {
		if h.stage("o-1") == to {
			return
		}
		h.call("POST", path(), "", 200, nil)
	}
	if h.stage("o-1") != to {
		h.t.Fatalf("could not drive o-1 to %s (at %s)", to, h.stage("o-1"))
	}
}

func TestCancellationCompensatesAtEachStage(t *testing.T) {
	cases := []struct {
		stage    string
		task     string // the task's status after the cancellation
		shipment string // "" = none
		delivery string
	}{
		{stage: "ALLOCATED", task: "CANCELLED"},
		{stage: "COOKING", task: "CANCELLED"},
		{stage: "AWAITING_PICK", task: "DONE", shipment: "CANCELLED"},
		{stage: "PICKED_UP", task: "DONE", shipment: "CANCELLED"},
		{stage: "PACKED", task: "DONE", shipment: "CANCELLED", delivery: "CANCELLED"},
	}
	for _, c := range cases {
		t.Run(c.stage, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.addBatch("b-1", "KIMCHI-500G", 10)
			h.allocate("o-1", item("KIMCHI-500G", 4))
			advance(h, c.stage)
			if got := h.available("KIMCHI-500G"); got != 6 {
				t.Fatalf("available %d before the cancellation, want 6", got)
			}
			h.cancel("o-1")

			if got := h.available("KIMCHI-500G"); got != 10 {
				t.Errorf("available %d after the cancellation, want 10 (released)", got)
			}
			task := h.task("o-1")
			if task.Status != c.task {
				t.Errorf("task %s, want %s", task.Status, c.task)
			}
			h.call("POST", "/v1/kitchen/tasks/"+task.ID+"/done", "", 409, nil)
			if c.shipment != "" {
				s := h.shipment("o-1")
				if s.Status != c.shipment {
					t.Errorf("shipment %s, want %s", s.Status, c.shipment)
				}
				h.call("POST", "/v1/warehouse/shipments/"+s.ID+"/pack", "", 409, nil)
			}
			if c.delivery != "" {
				d := h.delivery("o-1")
				if d.Status != c.delivery {
					t.Errorf("delivery %s, want %s", d.Status, c.delivery)
				}
				h.call("POST", "/v1/deliveries/"+d.ID+"/ship", `{"carrier":"CJ","trackingNumber":"1"}`, 409, nil)
			}
			checkCancelled(t, h, "o-1", c.stage)
		})
	}
}

func checkCancelled(t *testing.T, h *harness, order, stage string) {
	t.Helper()
	envs := h.events(contract.TypeFulfilmentCancelled)
	if len(envs) != 1 {
		t.Fatalf("%d FulfilmentCancelled, want 1", len(envs))
	}
	var e contract.FulfilmentCancelled
	if err := envs[0].Decode(&e); err != nil || e.FulfilmentOrderID != order || e.Stage != stage || e.Reason != "customer" {
		t.Errorf("FulfilmentCancelled %+v %v, want %s at %s", e, err, order, stage)
	}
	if got := h.stage(order); got != "CANCELLED" {
		t.Errorf("stage %s, want CANCELLED", got)
	}
}

// TestCancellationFreesStockForWaitingOrders: released stock goes to the
// backorders, which then flow on as usual.
func TestCancellationFreesStockForWaitingOrders(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "KIMCHI-500G", 10)
	h.allocate("o-1", item("KIMCHI-500G", 4))
	h.allocate("o-2", item("KIMCHI-500G", 8))
	if h.stage("o-2") != "BACKORDERED" {
		t.Fatalf("o-2 %s, want BACKORDERED", h.stage("o-2"))
	}
	h.cancel("o-1")
	if h.stage("o-2") != "ALLOCATED" || h.available("KIMCHI-500G") != 2 || h.task("o-2").Status != "PENDING" {
		t.Errorf("o-2 %s, available %d: the freed stock did not go to o-2", h.stage("o-2"), h.available("KIMCHI-500G"))
	}
}

func TestCancelAfterShippedIsRejected(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "KIMCHI-500G", 10)
	h.allocate("o-1", item("KIMCHI-500G", 4))
	advance(h, "PACKED")
	d := h.delivery("o-1")
	h.call("POST", "/v1/deliveries/"+d.ID+"/ship", `{"carrier":"CJ","trackingNumber":"1"}`, 200, nil)
	before := h.stream("o-1")
	h.cancel("o-1")

	rejected := h.events(contract.TypeFulfilmentCancelRejected)
	var e contract.FulfilmentCancelRejected
	if len(rejected) != 1 || rejected[0].Decode(&e) != nil || e.Stage != "SHIPPED" || e.Reason == "" {
		t.Fatalf("rejections %v %+v, want one at SHIPPED", rejected, e)
	}
	if n := len(h.events(contract.TypeFulfilmentCancelled)); n != 0 || len(h.stream("o-1")) != len(before)+1 {
		t.Errorf("a refused cancellation changed things: %d cancelled, %v", n, h.stream("o-1"))
	}
	if h.available("KIMCHI-500G") != 6 || h.delivery("o-1").Status != "SHIPPED" || h.stage("o-1") != "SHIPPED" {
		t.Errorf("stock %d, delivery %s, stage %s: want untouched", h.available("KIMCHI-500G"), h.delivery("o-1").Status, h.stage("o-1"))
	}
	h.call("POST", "/v1/deliveries/"+d.ID+"/deliver", "", 200, nil)
}

// TestCancelIsIdempotentAndMayComeFirst: cancelling twice changes nothing
// more; a cancellation that overtook its order stops the order from being
// fulfilled when it comes.
func TestCancelIsIdempotentAndMayComeFirst(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "KIMCHI-500G", 10)
	h.cancel("o-early")
	h.allocate("o-early", item("KIMCHI-500G", 4))
	if h.available("KIMCHI-500G") != 10 || len(h.events(contract.TypeFulfilmentAllocated)) != 0 {
		t.Errorf("the order cancelled before it came was allocated: available %d", h.available("KIMCHI-500G"))
	}
	checkCancelled(t, h, "o-early", "NOT_RECEIVED")
	if tasks := h.list("/v1/kitchen/tasks?orderId=o-early"); len(tasks) != 0 {
		t.Errorf("tasks for a cancelled order: %v", tasks)
	}
	h.cancel("o-early")
	h.allocate("o-1", item("KIMCHI-500G", 4))
	h.cancel("o-1")
	h.cancel("o-1")
	if n := len(h.events(contract.TypeFulfilmentCancelled)); n != 2 {
		t.Errorf("%d FulfilmentCancelled for two orders cancelled twice, want 2", n)
	}
	if h.available("KIMCHI-500G") != 10 {
		t.Errorf("available %d, want 10", h.available("KIMCHI-500G"))
	}
}
