// Package contract is what the SCM adapter publishes for the ordering side
// on topic "scmadapter": SCM progress translated back into order terms.
package contract

// Topic and source of the adapter's order-side events.
const (
	Topic  = "scmadapter"
	Source = "/banchan/scm-adapter"
)

// Event type names.
const (
	TypeOrderAllocated   = "OrderAllocated"
	TypeOrderBackordered = "OrderBackordered"
)

// LineAllocation says which batch holds an order line.
type LineAllocation struct {
	SKU      string `json:"sku"`
	Qty      int    `json:"qty"`
	BatchRef string `json:"batchRef"`
}

// MissingLine is an order line that no stock covers yet.
type MissingLine struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// OrderAllocated: every line of the order is allocated. Revision orders
// the allocation news of one order: a higher one is newer.
type OrderAllocated struct {
	OrderID  string           `json:"orderId"`
	Revision int64            `json:"revision"`
	Lines    []LineAllocation `json:"lines"`
}

// OrderBackordered: some lines wait for stock (never allocated, or taken
// out of a batch whose quantity dropped).
type OrderBackordered struct {
	OrderID  string           `json:"orderId"`
	Revision int64            `json:"revision"`
	Lines    []LineAllocation `json:"lines"`
	Missing  []MissingLine    `json:"missing"`
}
