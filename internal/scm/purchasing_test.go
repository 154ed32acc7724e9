package scm

import (
	"strings"
	"testing"

	"github.com/banchan/banchan/internal/scm/contract"
)

// TestBackorderIsShippedWhenThePurchaseOrderArrives: "ship when stock
// arrives" — a backordered line raises a purchase order; receiving it
// creates the batch, which allocates the waiting orders, which then flow
// to DELIVERED.
func TestBackorderIsShippedWhenThePurchaseOrderArrives(t *testing.T) {
	h := newHarness(t, Options{})
	h.allocate("o-1", item("MANDU-1KG", 5))
	po := h.only("/v1/purchasing/orders?sku=MANDU-1KG&status=OPEN")
	if po.Quantity != 5 || po.Status != "OPEN" || h.stage("o-1") != "BACKORDERED" {
		t.Fatalf("purchase order %+v, stage %s", po, h.stage("o-1"))
	}
	h.allocate("o-2", item("MANDU-1KG", 3))
	grown := h.only("/v1/purchasing/orders?sku=MANDU-1KG")
	if grown.ID != po.ID || grown.Quantity != 8 {
		t.Fatalf("after a second backorder: %+v, want %s grown to 8", grown, po.ID)
	}
	var received struct {
		Status, BatchRef string
		ReceivedQuantity int
	}
	h.call("POST", "/v1/purchasing/orders/"+po.ID+"/receive", "", 200, &received)
	if received.Status != "RECEIVED" || received.BatchRef != po.ID || received.ReceivedQuantity != 8 {
		t.Errorf("received %+v", received)
	}
	if code, body := h.do("POST", "/v1/purchasing/orders/"+po.ID+"/receive", ""); code != 409 || !strings.Contains(body, "RECEIVED") {
		t.Errorf("receive twice: %d %s", code, body)
	}
	if h.stage("o-1") != "ALLOCATED" || h.stage("o-2") != "ALLOCATED" || h.available("MANDU-1KG") != 0 {
		t.Fatalf("after receipt: o-1 %s, o-2 %s, available %d", h.stage("o-1"), h.stage("o-2"), h.available("MANDU-1KG"))
	}
	var batch struct{ Qty, Allocated int }
	h.call("GET", "/v1/batches/"+po.ID, "", 200, &batch)
	if batch.Qty != 8 || batch.Allocated != 8 {
		t.Errorf("batch %+v", batch)
	}
	if n := len(h.events(contract.TypePurchaseOrderRaised)); n != 2 {
		t.Errorf("%d PurchaseOrderRaised (raised, grown), want 2", n)
	}
	if n := len(h.events(contract.TypePurchaseOrderReceived)); n != 1 {
		t.Errorf("%d PurchaseOrderReceived, want 1", n)
	}
	h.only("/v1/purchasing/orders?sku=MANDU-1KG&status=RECEIVED")
	advance(h, "PACKED")
	d := h.delivery("o-1")
	h.call("POST", "/v1/deliveries/"+d.ID+"/ship", `{"carrier":"CJ","trackingNumber":"CJ-9"}`, 200, nil)
	h.call("POST", "/v1/deliveries/"+d.ID+"/deliver", "", 200, nil)
	if h.stage("o-1") != "DELIVERED" {
		t.Errorf("o-1 %s, want DELIVERED", h.stage("o-1"))
	}
	checkHistory(t, h, "o-1", "ACCEPTED", "BACKORDERED", "ALLOCATED", "COOKING", "COOKED", "AWAITING_PICK",
		"PICKED_UP", "PACKED", "SHIPPED", "DELIVERED")
}

func TestReorderPointRaisesOnePurchaseOrder(t *testing.T) {
	h := newHarness(t, Options{})
	h.addBatch("b-1", "KIMCHI-500G", 12)
	var rp struct {
		SKU                      string
		ReorderPoint, ReorderQty int
	}
	h.call("PUT", "/v1/purchasing/reorder-points/KIMCHI-500G", `{"reorderPoint":10,"reorderQty":50}`, 200, &rp)
	h.call("GET", "/v1/purchasing/reorder-points/KIMCHI-500G", "", 200, &rp)
	if rp.ReorderPoint != 10 || rp.ReorderQty != 50 {
		t.Errorf("reorder point %+v", rp)
	}
	h.allocate("o-1", item("KIMCHI-500G", 2))
	if n := len(h.events(contract.TypePurchaseOrderRaised)); n != 0 {
		t.Fatalf("%d purchase orders at available 10 (not below the point)", n)
	}
	h.allocate("o-2", item("KIMCHI-500G", 1))
	po := h.only("/v1/purchasing/orders?sku=KIMCHI-500G")
	if po.Quantity != 50 || po.Status != "OPEN" {
		t.Errorf("purchase order %+v, want 50 OPEN", po)
	}
	h.allocate("o-3", item("KIMCHI-500G", 1))
	if n := len(h.events(contract.TypePurchaseOrderRaised)); n != 1 {
		t.Errorf("%d PurchaseOrderRaised, want 1: the open order covers the shortage", n)
	}
	// Stock already below a new reorder point: raised as it is set.
	h.addBatch("b-2", "JAPCHAE-300G", 5)
	h.call("PUT", "/v1/purchasing/reorder-points/JAPCHAE-300G", `{"reorderPoint":10,"reorderQty":20}`, 200, nil)
	if po := h.only("/v1/purchasing/orders?sku=JAPCHAE-300G"); po.Quantity != 20 {
		t.Errorf("purchase order %+v, want 20", po)
	}
	// A SKU inventory never held has no level to compare: nothing raised
	// until its stock changes.
	h.call("PUT", "/v1/purchasing/reorder-points/TTEOK-1KG", `{"reorderPoint":10,"reorderQty":20}`, 200, nil)
	if n := len(h.events(contract.TypePurchaseOrderRaised)); n != 2 {
		t.Errorf("%d PurchaseOrderRaised, want 2: none for a SKU never stocked", n)
	}
	h.addBatch("b-3", "TTEOK-1KG", 3)
	if po := h.only("/v1/purchasing/orders?sku=TTEOK-1KG"); po.Quantity != 20 {
		t.Errorf("purchase order %+v, want 20 once stock below the point arrives", po)
	}
}
