// Package contract is what the SCM adapter publishes for the ordering side
// on topic "scmadapter": SCM progress translated back into order terms.
package contract

import "time"

// Topic and source of the adapter's order-side events.
const (
	Topic  = "scmadapter"
	Source = "/banchan/scm-adapter"
)

// Event type names.
const (
	TypeOrderAllocated            = "OrderAllocated"
	TypeOrderBackordered          = "OrderBackordered"
	TypeOrderProgressed           = "OrderProgressed"
	TypeOrderFulfilmentCancelled  = "OrderFulfilmentCancelled"
	TypeOrderCancellationRejected = "OrderCancellationRejected"
	TypeOrderDelayed              = "OrderDelayed"
)

// Fulfilment stages after allocation, as order statuses.
const (
	StatusCooking   = "COOKING"
	StatusPickedUp  = "PICKED_UP"
	StatusPacked    = "PACKED"
	StatusShipped   = "SHIPPED"
	StatusDelivered = "DELIVERED"
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

// OrderProgressed: the order reached a fulfilment stage (Status is one of
// COOKING, PICKED_UP, PACKED, SHIPPED, DELIVERED). Stages arrive in order
// per order, but a consumer must still ignore one at or behind its status.
type OrderProgressed struct {
	OrderID        string    `json:"orderId"`
	Status         string    `json:"status"`
	At             time.Time `json:"at"`
	Carrier        string    `json:"carrier,omitempty"`
	TrackingNumber string    `json:"trackingNumber,omitempty"`
}

// OrderFulfilmentCancelled: the SCM stopped the order's fulfilment and
// undid its stages, after the order was cancelled.
type OrderFulfilmentCancelled struct {
	OrderID string    `json:"orderId"`
	Stage   string    `json:"stage"`
	At      time.Time `json:"at"`
}

// OrderCancellationRejected: the SCM could not stop the order (it had
// shipped already).
type OrderCancellationRejected struct {
	OrderID string `json:"orderId"`
	Stage   string `json:"stage"`
	Reason  string `json:"reason"`
}

// OrderDelayed: the order missed a deadline of its fulfilment.
type OrderDelayed struct {
	OrderID  string    `json:"orderId"`
	Stage    string    `json:"stage"`
	Deadline time.Time `json:"deadline"`
}
