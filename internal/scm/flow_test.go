package scm

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banchan/banchan/internal/scm/contract"
)

// TestOrderFlowsToDelivered drives an allocated order through the operator
// endpoints and checks what leaves the service, in order.
func TestOrderFlowsToDelivered(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "KIMCHI-500G", 10)
	h.addBatch("b-2", "SOJU-360ML", 10)
	h.call("PUT", "/v1/kitchen/items/SOJU-360ML", `{"cook":false}`, 200, nil)
	h.allocate("o-1", item("KIMCHI-500G", 2), item("SOJU-360ML", 1))

	task := h.task("o-1")
	if task.Status != "PENDING" || h.stage("o-1") != "ALLOCATED" {
		t.Fatalf("after allocation: task %+v, stage %s; want PENDING and ALLOCATED", task, h.stage("o-1"))
	}
	if got := h.events(contract.TypeCookingStarted); len(got) != 0 {
		t.Fatalf("planning tasks told %d CookingStarted", len(got))
	}
	h.call("POST", "/v1/kitchen/tasks/"+task.ID+"/start", "", 200, nil)
	if h.stage("o-1") != "COOKING" {
		t.Errorf("stage %s after start, want COOKING", h.stage("o-1"))
	}
	h.call("POST", "/v1/kitchen/tasks/"+task.ID+"/done", "", 200, nil)

	ship := h.shipment("o-1")
	if ship.Status != "AWAITING_PICK" {
		t.Fatalf("shipment %+v, want AWAITING_PICK", ship)
	}
	code, body := h.do("POST", "/v1/warehouse/shipments/"+ship.ID+"/pack", "")
	t.Logf("pack before pick: %d %s", code, body)
	if code != 409 || !strings.Contains(body, `is AWAITING_PICK: cannot pack (needs PICKED_UP)`) {
		t.Errorf("pack before pick: %d %s; want 409 naming AWAITING_PICK", code, body)
	}
	h.call("POST", "/v1/warehouse/shipments/"+ship.ID+"/pick", "", 200, nil)
	if code, body := h.do("POST", "/v1/warehouse/shipments/"+ship.ID+"/pick", ""); code != 409 || !strings.Contains(body, "PICKED_UP") {
		t.Errorf("pick twice: %d %s; want 409 naming PICKED_UP", code, body)
	}
	h.call("POST", "/v1/warehouse/shipments/"+ship.ID+"/pack", "", 200, nil)

	dlv := h.delivery("o-1")
	if dlv.Status != "READY" {
		t.Fatalf("delivery %+v, want READY", dlv)
	}
	h.call("POST", "/v1/deliveries/"+dlv.ID+"/deliver", "", 409, nil)
	h.call("POST", "/v1/deliveries/"+dlv.ID+"/ship", `{"carrier":"CJ","trackingNumber":"CJ-1"}`, 200, nil)
	h.call("POST", "/v1/deliveries/"+dlv.ID+"/deliver", "", 200, nil)

	want := []string{contract.TypeFulfilmentAllocated, contract.TypeCookingStarted, contract.TypeFulfilmentCooked,
		contract.TypeShippingInstructed, contract.TypeShipmentPickedUp, contract.TypeShipmentPacked,
		contract.TypeShipmentShipped, contract.TypeShipmentDelivered}
	if got := h.stream("o-1"); !slices.Equal(got, want) {
		t.Errorf("events of o-1:\n got %v\nwant %v", got, want)
	}
	checkCorrelated(t, h, "o-1")
	checkHistory(t, h, "o-1", "ACCEPTED", "ALLOCATED", "COOKING", "COOKED", "AWAITING_PICK", "PICKED_UP", "PACKED",
		"SHIPPED", "DELIVERED")
	var shipped []contract.ShipmentShipped
	for _, e := range h.events(contract.TypeShipmentShipped) {
		var s contract.ShipmentShipped
		_ = e.Decode(&s)
		shipped = append(shipped, s)
	}
	if len(shipped) != 1 || shipped[0].Carrier != "CJ" || shipped[0].TrackingNumber != "CJ-1" ||
		shipped[0].ShipmentID != ship.ID || shipped[0].DeliveryID != dlv.ID {
		t.Errorf("ShipmentShipped %+v", shipped)
	}
}

// checkCorrelated: every event about the order, including those operators
// caused over HTTP, is in the causal chain of its command.
func checkCorrelated(t *testing.T, h *harness, order string) {
	t.Helper()
	allocated := h.events(contract.TypeFulfilmentAllocated)
	if len(allocated) == 0 {
		t.Fatal("no FulfilmentAllocated")
	}
	for _, e := range h.events(contract.TypeCookingStarted, contract.TypeShippingInstructed, contract.TypeShipmentDelivered) {
		if e.Subject == order && e.CorrelationID != allocated[0].CorrelationID {
			t.Errorf("%s of %s correlated with %s, want %s", e.Type, order, e.CorrelationID, allocated[0].CorrelationID)
		}
	}
}

func checkHistory(t *testing.T, h *harness, order string, want ...string) {
	t.Helper()
	var v struct {
		History []struct{ Stage string }
	}
	h.call("GET", "/v1/fulfilments/"+order, "", 200, &v)
	var got []string
	for _, c := range v.History {
		got = append(got, c.Stage)
	}
	if !slices.Equal(got, want) {
		t.Errorf("history of %s: %v, want %v", order, got, want)
	}
}

// TestNothingToCookShipsAtOnce: an order without items to cook is cooked
// as soon as it is allocated, without kitchen events.
func TestNothingToCookShipsAtOnce(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "SOJU-360ML", 10)
	h.call("PUT", "/v1/kitchen/items/SOJU-360ML", `{"cook":false}`, 200, nil)
	var it struct {
		Cook, Configured bool
	}
	h.call("GET", "/v1/kitchen/items/SOJU-360ML", "", 200, &it)
	if it.Cook || !it.Configured {
		t.Errorf("item setting %+v", it)
	}
	h.call("GET", "/v1/kitchen/items/KIMCHI-500G", "", 200, &it)
	if !it.Cook || it.Configured {
		t.Errorf("default item setting %+v, want cooked", it)
	}
	h.allocate("o-1", item("SOJU-360ML", 1))
	want := []string{contract.TypeFulfilmentAllocated, contract.TypeShippingInstructed}
	if got := h.stream("o-1"); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	tasks := h.list("/v1/kitchen/tasks?orderId=o-1")
	if len(tasks) != 0 || h.shipment("o-1").Status != "AWAITING_PICK" || h.stage("o-1") != "AWAITING_PICK" {
		t.Errorf("tasks %v, stage %s", tasks, h.stage("o-1"))
	}
}

// TestBackorderedBeforePickHoldsTheShipment: a batch shrank after the
// order was instructed; its shipment may not be picked until it is
// allocated again.
func TestBackorderedBeforePickHoldsTheShipment(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "SOJU-360ML", 10)
	h.call("PUT", "/v1/kitchen/items/SOJU-360ML", `{"cook":false}`, 200, nil)
	h.allocate("o-1", item("SOJU-360ML", 4))
	ship := h.shipment("o-1")
	h.call("PATCH", "/v1/batches/b-1", `{"qty":1}`, 200, nil)
	if s := h.shipment("o-1"); s.Status != "ON_HOLD" {
		t.Fatalf("shipment %s after the backorder, want ON_HOLD", s.Status)
	}
	if code, body := h.do("POST", "/v1/warehouse/shipments/"+ship.ID+"/pick", ""); code != 409 || !strings.Contains(body, "ON_HOLD") {
		t.Errorf("pick on hold: %d %s", code, body)
	}
	var v struct{ Stage, Allocation string }
	h.call("GET", "/v1/fulfilments/o-1", "", 200, &v)
	if v.Allocation != "BACKORDERED" || v.Stage != "AWAITING_PICK" {
		t.Errorf("process %+v", v)
	}
	h.addBatch("b-2", "SOJU-360ML", 10)
	if s := h.shipment("o-1"); s.Status != "AWAITING_PICK" {
		t.Fatalf("shipment %s after restock, want AWAITING_PICK", s.Status)
	}
	h.call("POST", "/v1/warehouse/shipments/"+ship.ID+"/pick", "", 200, nil)
	if n := len(h.events(contract.TypeShippingInstructed)); n != 1 {
		t.Errorf("%d shipping instructions, want 1", n)
	}
}

// TestConcurrentStepsTakeEffectOnce: operators (or the simulation) racing
// on one step: one wins, the others get 409, and the step is told once.
func TestConcurrentStepsTakeEffectOnce(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "KIMCHI-500G", 10)
	h.allocate("o-1", item("KIMCHI-500G", 1))
	task := h.task("o-1")
	codes := make(chan int, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			code, _ := h.do("POST", "/v1/kitchen/tasks/"+task.ID+"/done", "")
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	won := 0
	for c := range codes {
		switch c {
		case 200:
			won++
		case 409:
		default:
			t.Errorf("racing done: %d", c)
		}
	}
	if won != 1 || len(h.events(contract.TypeCookingStarted)) != 1 || len(h.events(contract.TypeFulfilmentCooked)) != 1 ||
		len(h.events(contract.TypeShippingInstructed)) != 1 {
		t.Errorf("%d winners; events %v", won, h.stream("o-1"))
	}
}

// TestFulfilmentHistoryStaysBounded: every stock change may move an order
// between ALLOCATED and BACKORDERED; its view keeps the first change and
// the latest ones, and counts the rest.
func TestFulfilmentHistoryStaysBounded(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "SOJU-360ML", 10)
	h.allocate("o-1", item("SOJU-360ML", 4))
	type view struct {
		Allocation string
		History    []struct {
			Stage string
			At    time.Time
		}
		HistoryOmitted int
	}
	var before view
	h.call("GET", "/v1/fulfilments/o-1", "", 200, &before)
	const flips = 40
	for i := 0; i < flips; i++ {
		h.call("PATCH", "/v1/batches/b-1", `{"qty":1}`, 200, nil)
		h.call("PATCH", "/v1/batches/b-1", `{"qty":10}`, 200, nil)
	}
	var after view
	h.call("GET", "/v1/fulfilments/o-1", "", 200, &after)
	if len(before.History) == 0 || len(before.History) >= 50 {
		t.Fatalf("history before the flips: %+v", before.History)
	}
	total := len(before.History) + 2*flips
	if len(after.History) != 50 || after.HistoryOmitted != total-50 {
		t.Fatalf("history of %d changes: %d kept, %d omitted; want 50 and %d", total, len(after.History), after.HistoryOmitted, total-50)
	}
	if after.History[0] != before.History[0] {
		t.Errorf("first change %+v, want %+v", after.History[0], before.History[0])
	}
	if last := after.History[49]; last.Stage != "ALLOCATED" || after.Allocation != "ALLOCATED" {
		t.Errorf("latest change %+v, allocation %s; want ALLOCATED", last, after.Allocation)
	}
}
