package scm

import (
	"testing"

	"github.com/banchan/banchan/internal/scm/contract"
)

// TestCartCheckoutGivesTheRestToWaitingOrders: an order placed with a cart
// takes its line from the cart's hold, and what the hold kept beyond the
// line goes to the orders waiting, oldest first.
func TestCartCheckoutGivesTheRestToWaitingOrders(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "KIMCHI-500G", 4)
	h.call("POST", "/v1/carts/k-1/items", `{"sku":"KIMCHI-500G","qty":3}`, 201, nil)
	h.allocate("w-1", item("KIMCHI-500G", 2)) // 1 free: waits
	if h.stage("w-1") != "BACKORDERED" {
		t.Fatalf("w-1 %s, want BACKORDERED", h.stage("w-1"))
	}
	if err := h.command(contract.TypeAllocateFulfilmentOrder, "o-1", contract.AllocateFulfilmentOrder{
		FulfilmentOrderID: "o-1", CartID: "k-1", Items: []contract.Item{item("KIMCHI-500G", 1)},
		ShipTo: contract.ShipTo{Consignee: "Kim"}}); err != nil {
		t.Fatalf("allocate o-1 from cart k-1: %v", err)
	}
	var p struct {
		Available, Waiting int
		Backorders         []struct{ OrderID string }
	}
	h.call("GET", "/v1/products/KIMCHI-500G", "", 200, &p)
	if h.stage("o-1") != "ALLOCATED" || h.stage("w-1") != "ALLOCATED" || p.Available != 1 || p.Waiting != 0 || len(p.Backorders) != 0 {
		t.Errorf("o-1 %s, w-1 %s, product %+v; want both ALLOCATED, 1 available, none waiting",
			h.stage("o-1"), h.stage("w-1"), p)
	}
}

// TestDeletingACartFreesAllItsStock: DELETE /v1/carts/{id} ends every hold
// of the cart; the stock is free again, and a line waiting for it is
// allocated. A cart already empty answers 204 as well.
func TestDeletingACartFreesAllItsStock(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "KIMCHI-500G", 4)
	h.addBatch("b-2", "TOFU", 2)
	h.call("POST", "/v1/carts/k-1/items", `{"sku":"KIMCHI-500G","qty":3}`, 201, nil)
	h.call("POST", "/v1/carts/k-1/items", `{"sku":"TOFU","qty":2}`, 201, nil)
	h.allocate("w-1", item("TOFU", 1))
	if h.stage("w-1") != "BACKORDERED" || h.available("KIMCHI-500G") != 1 {
		t.Fatalf("before: w-1 %s, %d KIMCHI-500G free; want BACKORDERED and 1", h.stage("w-1"), h.available("KIMCHI-500G"))
	}
	h.call("DELETE", "/v1/carts/k-1", "", 204, nil)
	var cart struct{ Items []any }
	h.call("GET", "/v1/carts/k-1", "", 200, &cart)
	if len(cart.Items) != 0 || h.available("KIMCHI-500G") != 4 || h.available("TOFU") != 1 || h.stage("w-1") != "ALLOCATED" {
		t.Errorf("after: cart %v, %d KIMCHI-500G and %d TOFU free, w-1 %s; want empty, 4, 1, ALLOCATED",
			cart.Items, h.available("KIMCHI-500G"), h.available("TOFU"), h.stage("w-1"))
	}
	h.call("DELETE", "/v1/carts/k-1", "", 204, nil)
	h.call("DELETE", "/v1/carts/never", "", 204, nil)
	h.call("DELETE", "/v1/carts/bad%20id", "", 422, nil)
}
