package scm

import (
	"fmt"
	"slices"
	"testing"

	"github.com/banchan/banchan/internal/scm/contract"
)

// TestEveryAllocationIsALineAllocated: each way a line comes to a batch
// (an allocation, a backorder filled by new stock, a cart's hold taken by
// its order, a reallocation after a batch shrinks) logs a LineAllocated
// with the book's fields, and a line without stock an OutOfStock, though
// /allocate answered 202.
func TestEveryAllocationIsALineAllocated(t *testing.T) {
	h := newHarness(t, Options{})
	h.call("POST", "/add_batch", `{"ref":"b-1","sku":"TOFU","qty":3,"eta":null}`, 201, nil)
	h.call("POST", "/allocate", `{"orderid":"o-1","sku":"TOFU","qty":2}`, 202, nil)
	h.call("POST", "/allocate", `{"orderid":"o-2","sku":"TOFU","qty":2}`, 202, nil) // 1 left: waits
	h.call("POST", "/add_batch", `{"ref":"b-2","sku":"TOFU","qty":5,"eta":"2027-01-05"}`, 201, nil)
	h.call("POST", "/v1/carts/k-1/items", `{"sku":"TOFU","qty":1}`, 201, nil) // b-1's last unit
	if err := h.command(contract.TypeAllocateFulfilmentOrder, "o-3", contract.AllocateFulfilmentOrder{
		FulfilmentOrderID: "o-3", CartID: "k-1", Items: []contract.Item{item("TOFU", 1)},
		ShipTo: contract.ShipTo{Consignee: "Kim"}}); err != nil {
		t.Fatal(err)
	}
	// b-1 down to 1: o-3 then o-1 give way; placed again oldest first.
	h.call("PATCH", "/v1/batches/b-1", `{"qty":1}`, 200, nil)

	var got []string
	for _, e := range h.events(contract.TypeLineAllocated, contract.TypeOutOfStock) {
		var d struct {
			OrderID  string `json:"orderid"`
			SKU      string `json:"sku"`
			Qty      int    `json:"qty"`
			BatchRef string `json:"batchref"`
		}
		if err := e.Decode(&d); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %s×%d %s", e.Type, d.OrderID, d.SKU, d.Qty, d.BatchRef))
	}
	want := []string{
		"LineAllocated o-1 TOFU×2 b-1",
		"OutOfStock o-2 TOFU×2 ",
		"LineAllocated o-2 TOFU×2 b-2", // the backorder, filled by the new batch
		"LineAllocated o-3 TOFU×1 b-1", // the cart's hold, taken by its order
		"LineAllocated o-1 TOFU×2 b-2", // reallocated: b-1 keeps 1 unit
		"LineAllocated o-3 TOFU×1 b-1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n%q\nwant\n%q", got, want)
	}
	var lines []struct{ SKU, BatchRef string }
	h.call("GET", "/allocations/o-1", "", 200, &lines)
	if len(lines) != 1 || lines[0].BatchRef != "b-2" {
		t.Errorf("GET /allocations/o-1: %+v, want TOFU in b-2", lines)
	}
}
