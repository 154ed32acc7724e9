package system_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/system"
	"github.com/banchan/banchan/internal/testenv"
)

// step is an operator's view of a kitchen task, a shipment or a delivery.
type step struct {
	ID      string `json:"id"`
	OrderID string `json:"orderId"`
	Status  string `json:"status"`
}

// steps lists what an operator endpoint holds for an order.
func steps(e *testenv.Env, path, orderID string) []step {
	var out struct{ Items []step }
	e.JSON("GET", path+"?orderId="+orderID, "", http.StatusOK, &out)
	return out.Items
}

// awaitSteps polls until the order has at least one entry at path.
func awaitSteps(e *testenv.Env, path, orderID string) []step {
	e.T.Helper()
	var got []step
	e.Eventually(10*time.Second, path+" for order "+orderID, func() bool {
		got = steps(e, path, orderID)
		return len(got) > 0
	})
	return got
}

// cook finishes every cook task of the order.
func cook(e *testenv.Env, orderID string) {
	e.T.Helper()
	for _, task := range awaitSteps(e, "/v1/kitchen/tasks", orderID) {
		e.JSON("POST", "/v1/kitchen/tasks/"+task.ID+"/done", "", http.StatusOK, nil)
	}
}

func shipment(e *testenv.Env, orderID string) string {
	e.T.Helper()
	return awaitSteps(e, "/v1/warehouse/shipments", orderID)[0].ID
}

func delivery(e *testenv.Env, orderID string) string {
	e.T.Helper()
	return awaitSteps(e, "/v1/deliveries", orderID)[0].ID
}

const shipBody = `{"carrier":"CJ Logistics","trackingNumber":"CJ-123456"}`

// deliverByHand drives an allocated order through every operator step.
func deliverByHand(e *testenv.Env, orderID string) testenv.Order {
	e.T.Helper()
	cook(e, orderID)
	e.WaitStatus(orderID, "COOKING")
	sh := shipment(e, orderID)
	e.JSON("POST", "/v1/warehouse/shipments/"+sh+"/pick", "", http.StatusOK, nil)
	e.WaitStatus(orderID, "PICKED_UP")
	e.JSON("POST", "/v1/warehouse/shipments/"+sh+"/pack", "", http.StatusOK, nil)
	e.WaitStatus(orderID, "PACKED")
	d := delivery(e, orderID)
	e.JSON("POST", "/v1/deliveries/"+d+"/ship", shipBody, http.StatusOK, nil)
	e.WaitStatus(orderID, "SHIPPED")
	e.JSON("POST", "/v1/deliveries/"+d+"/deliver", "", http.StatusOK, nil)
	return e.WaitStatus(orderID, "DELIVERED")
}

func historyOf(o testenv.Order) []string {
	var out []string
	for _, h := range o.History {
		out = append(out, h.Status)
	}
	return out
}

func TestOrderFlowsToDeliveredThroughOperatorSteps(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "JAPCHAE-300G", 10)
	id := e.PlaceOrder("c-1", "JAPCHAE-300G", 2)
	e.WaitStatus(id, "ALLOCATED")
	o := deliverByHand(e, id)
	want := []string{"PLACED", "ALLOCATED", "COOKING", "PICKED_UP", "PACKED", "SHIPPED", "DELIVERED"}
	if got := historyOf(o); !slices.Equal(got, want) {
		t.Errorf("history %v, want %v", got, want)
	}
	code, body := e.Do("POST", "/v1/orders/"+id+"/cancel", "{}", map[string]string{"Content-Type": "application/json"})
	if code != http.StatusConflict || !strings.Contains(string(body), "DELIVERED") {
		t.Errorf("cancel a delivered order: %d %s, want 409 naming the status", code, body)
	}
	var tl struct{ Events []struct{ Type string } }
	e.JSON("GET", "/v1/orders/"+id+"/timeline", "", http.StatusOK, &tl)
	if len(tl.Events) < 15 {
		t.Errorf("the timeline holds %d events for the whole flow", len(tl.Events))
	}
}

func TestSimulateDrivesOrdersToDelivered(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t, func(c *system.Config) {
		c.Simulate, c.SimulateMinDelay, c.SimulateMaxDelay = true, 10*time.Millisecond, 50*time.Millisecond
	})
	// Demo batches are seeded: a newcomer can order at once.
	id := e.PlaceOrder("c-sim", "KIMCHI-500G", 1)
	e.Eventually(30*time.Second, "simulated delivery", func() bool {
		var o testenv.Order
		e.JSON("GET", "/v1/orders/"+id, "", http.StatusOK, &o)
		return o.Status == "DELIVERED"
	})
}

// TestCancellationCompensatesAtEachStage cancels orders at every stage
// before shipping and checks the stock comes back and later steps refuse.
func TestCancellationCompensatesAtEachStage(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-c", "MANDU-1KG", 100)
	stages := []struct {
		name string
		to   func(id string)
	}{
		{"ALLOCATED", func(id string) {}},
		{"COOKING", func(id string) {
			task := awaitSteps(e, "/v1/kitchen/tasks", id)[0]
			e.JSON("POST", "/v1/kitchen/tasks/"+task.ID+"/start", "", http.StatusOK, nil)
		}},
		{"PICKED_UP", func(id string) {
			cook(e, id)
			e.JSON("POST", "/v1/warehouse/shipments/"+shipment(e, id)+"/pick", "", http.StatusOK, nil)
		}},
		{"PACKED", func(id string) {
			cook(e, id)
			sh := shipment(e, id)
			e.JSON("POST", "/v1/warehouse/shipments/"+sh+"/pick", "", http.StatusOK, nil)
			e.JSON("POST", "/v1/warehouse/shipments/"+sh+"/pack", "", http.StatusOK, nil)
		}},
	}
	for _, st := range stages {
		id := e.PlaceOrder("c-cancel", "MANDU-1KG", 3)
		e.WaitStatus(id, "ALLOCATED")
		st.to(id)
		e.WaitStatus(id, st.name)
		e.JSON("POST", "/v1/orders/"+id+"/cancel", `{"reason":"changed my mind"}`, http.StatusOK, nil)
		e.WaitStatus(id, "CANCELLED")
		for _, path := range []string{"/v1/kitchen/tasks", "/v1/warehouse/shipments", "/v1/deliveries"} {
			e.Eventually(10*time.Second, st.name+": "+path+" cancelled", func() bool {
				for _, s := range steps(e, path, id) {
					if s.Status != "CANCELLED" && s.Status != "DONE" {
						return false
					}
				}
				return true
			})
		}
	}
	e.Eventually(10*time.Second, "all stock back", func() bool {
		var b struct{ Available int }
		e.JSON("GET", "/v1/batches/b-c", "", http.StatusOK, &b)
		return b.Available == 100
	})
	// After shipping it is too late.
	id := e.PlaceOrder("c-cancel", "MANDU-1KG", 1)
	e.WaitStatus(id, "ALLOCATED")
	cook(e, id)
	sh := shipment(e, id)
	e.JSON("POST", "/v1/warehouse/shipments/"+sh+"/pick", "", http.StatusOK, nil)
	e.JSON("POST", "/v1/warehouse/shipments/"+sh+"/pack", "", http.StatusOK, nil)
	e.JSON("POST", "/v1/deliveries/"+delivery(e, id)+"/ship", shipBody, http.StatusOK, nil)
	e.WaitStatus(id, "SHIPPED")
	if code, body := e.Do("POST", "/v1/orders/"+id+"/cancel", "", nil); code != http.StatusConflict {
		t.Errorf("cancel after shipping: %d %s, want 409", code, body)
	}
}

func TestBackorderRaisesAPurchaseOrderAndReceiptDelivers(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-small", "BULGOGI-1KG", 1)
	id := e.PlaceOrder("c-b", "BULGOGI-1KG", 5)
	e.WaitStatus(id, "BACKORDERED")
	var pos struct {
		Items []struct {
			ID, Status string
			Quantity   int
		}
	}
	e.Eventually(10*time.Second, "a purchase order", func() bool {
		e.JSON("GET", "/v1/purchasing/orders?sku=BULGOGI-1KG", "", http.StatusOK, &pos)
		return len(pos.Items) == 1 && pos.Items[0].Status == "OPEN"
	})
	e.JSON("POST", "/v1/purchasing/orders/"+pos.Items[0].ID+"/receive", "", http.StatusOK, nil)
	e.WaitStatus(id, "ALLOCATED")
	if code, _ := e.Do("POST", "/v1/purchasing/orders/"+pos.Items[0].ID+"/receive", "", nil); code != http.StatusConflict {
		t.Errorf("receiving twice: %d, want 409", code)
	}
	deliverByHand(e, id)
}

// republish hands every logged event of these types to the broker again,
// as a broker redelivering after a lost acknowledgement would (without the
// message id, so the broker does not drop the repeat: the inboxes must).
func republish(t *testing.T, e *testenv.Env, types ...string) int {
	t.Helper()
	envs, err := e.Sys.Store().QueryLog(context.Background(), event.LogQuery{Types: types, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range envs {
		raw, err := env.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		publishRaw(t, e, e.Sys.Broker().Subject(env.Topic, env.Type), raw)
	}
	return len(envs)
}

func TestVipOnTheThirdOrderOnceDespiteDuplicates(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-v", "KIMCHI-500G", 100)
	tier := func() (string, int) {
		var c struct {
			Tier       string
			OrderCount int
		}
		code, _ := e.Do("GET", "/v1/customers/c-vip", "", nil)
		if code == http.StatusOK {
			e.JSON("GET", "/v1/customers/c-vip", "", http.StatusOK, &c)
		}
		return c.Tier, c.OrderCount
	}
	for i := range 2 {
		e.PlaceOrder("c-vip", "KIMCHI-500G", 1)
		e.Eventually(10*time.Second, "order counted", func() bool { _, n := tier(); return n == i+1 })
	}
	if got, _ := tier(); got == "VIP" {
		t.Fatal("VIP after two orders")
	}
	republish(t, e, "OrderPlaced")
	e.PlaceOrder("c-vip", "KIMCHI-500G", 1)
	e.Eventually(10*time.Second, "VIP", func() bool { got, n := tier(); return got == "VIP" && n == 3 })
	republish(t, e, "OrderPlaced", "CustomerBecameVip")
	// Let the duplicates through: a fourth order is counted after them.
	e.PlaceOrder("c-vip", "KIMCHI-500G", 1)
	e.Eventually(10*time.Second, "fourth order counted", func() bool { _, n := tier(); return n == 4 })
	vips, err := e.Sys.Store().QueryLog(context.Background(), event.LogQuery{Type: "CustomerBecameVip", Limit: 10})
	if err != nil || len(vips) != 1 {
		t.Errorf("%d CustomerBecameVip events (%v), want exactly one", len(vips), err)
	}
}

func TestLateAndRepeatedProgressNeverMovesBack(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-l", "JAPCHAE-300G", 10)
	id := e.PlaceOrder("c-l", "JAPCHAE-300G", 1)
	e.WaitStatus(id, "ALLOCATED")
	deliverByHand(e, id)
	n := republish(t, e, "OrderProgressed", "OrderAllocated", "FulfilmentAllocated", "CookingStarted", "ShipmentPickedUp")
	if n < 5 {
		t.Fatalf("republished %d events", n)
	}
	// A later order passes through the same subscriptions after the repeats.
	id2 := e.PlaceOrder("c-l", "JAPCHAE-300G", 1)
	e.WaitStatus(id2, "ALLOCATED")
	var o testenv.Order
	e.JSON("GET", "/v1/orders/"+id, "", http.StatusOK, &o)
	if o.Status != "DELIVERED" || len(o.History) != 7 {
		t.Errorf("after repeats: %s with history %v", o.Status, historyOf(o))
	}
}

// The adapter carries the delivery slot and address into the SCM's model.
func TestDeliverySlotAndAddressReachTheSCM(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-s", "KIMCHI-500G", 10)
	var o testenv.Order
	e.JSON("POST", "/v1/orders", `{"customerId":"c-s","lines":[{"sku":"KIMCHI-500G","qty":1,"unitPrice":5900}],
		"deliveryAddress":{"name":"Kim","line1":"1 Road","line2":"Flat 2","postcode":"06000"},
		"deliverySlot":"2026-12-02 18:00-20:00"}`, http.StatusCreated, &o)
	e.WaitStatus(o.ID, "ALLOCATED")
	cmds, err := e.Sys.Store().QueryLog(context.Background(), event.LogQuery{Type: "AllocateFulfilmentOrder", Subject: o.ID, Limit: 1})
	if err != nil || len(cmds) != 1 {
		t.Fatalf("allocate commands: %d, %v", len(cmds), err)
	}
	var cmd struct {
		DeliverySlot string
		ShipTo       struct{ Consignee, Address, Postcode string }
	}
	if err := cmds[0].Decode(&cmd); err != nil {
		t.Fatal(err)
	}
	if cmd.DeliverySlot != "2026-12-02 18:00-20:00" || cmd.ShipTo.Address != "1 Road, Flat 2" || cmd.ShipTo.Consignee != "Kim" {
		t.Errorf("the SCM was told %+v", cmd)
	}
	code, body := e.Do("POST", "/v1/orders", `{"customerId":"c-s","lines":[{"sku":"KIMCHI-500G","qty":1,"unitPrice":5900}],
		"deliveryAddress":{"name":"Kim","line1":"1 Road","postcode":"06000"},"deliverySlot":"`+strings.Repeat("x", 65)+`"}`,
		map[string]string{"Content-Type": "application/json"})
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "deliverySlot") {
		t.Errorf("a slot too long: %d %s", code, body)
	}
}
