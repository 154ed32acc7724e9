package contract

import (
	"encoding/json"
	"testing"
)

// TestLineAllocatedShape pins the book's Allocated event field names, which
// outside clients (the line_allocated channel) read.
func TestLineAllocatedShape(t *testing.T) {
	b, _ := json.Marshal(LineAllocated{OrderID: "o-1", SKU: "S", Qty: 2, BatchRef: "b-1"})
	if string(b) != `{"orderid":"o-1","sku":"S","qty":2,"batchref":"b-1"}` {
		t.Errorf("LineAllocated = %s", b)
	}
}
