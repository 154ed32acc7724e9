// Package contract is the SCM's published language: the commands it accepts
// on topic "scm-commands" and the events it publishes on topic "scm". It
// speaks of fulfilment orders and item codes, not of customer orders and
// SKUs: the SCM adapter translates between the two models.
package contract

// Topics.
const (
	CommandTopic = "scm-commands"
	EventTopic   = "scm"
	Source       = "/banchan/scm"
)

// Command and event type names.
const (
	TypeAllocateFulfilmentOrder = "AllocateFulfilmentOrder"
	TypeBatchAdded              = "BatchAdded"
	TypeLineAllocated           = "LineAllocated"
	TypeOutOfStock              = "OutOfStock"
	TypeFulfilmentAllocated     = "FulfilmentAllocated"
	TypeFulfilmentBackordered   = "FulfilmentBackordered"
)

// AllocateFulfilmentOrder asks inventory to allocate stock to every item.
type AllocateFulfilmentOrder struct {
	FulfilmentOrderID string `json:"fulfilmentOrderId"`
	Items             []Item `json:"items"`
	ShipTo            ShipTo `json:"shipTo"`
}

// Item is a quantity of one SCM item code.
type Item struct {
	ItemCode string `json:"itemCode"`
	Quantity int    `json:"quantity"`
}

// ShipTo is the consignee of a fulfilment order.
type ShipTo struct {
	Consignee string `json:"consignee"`
	Address   string `json:"address"`
	Postcode  string `json:"postcode"`
	Phone     string `json:"phone,omitempty"`
}

// BatchAdded: stock arrived or is expected (ETA, an ISO date, empty when in
// the warehouse).
type BatchAdded struct {
	Ref string `json:"ref"`
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
	ETA string `json:"eta,omitempty"`
}

// LineAllocated: one order line was allocated to a batch (the book's
// "Allocated" event, in its field names).
type LineAllocated struct {
	OrderID  string `json:"orderid"`
	SKU      string `json:"sku"`
	Qty      int    `json:"qty"`
	BatchRef string `json:"batchref"`
}

// OutOfStock: no batch could take a line.
type OutOfStock struct {
	OrderID string `json:"orderid"`
	SKU     string `json:"sku"`
	Qty     int    `json:"qty"`
}

// Allocation is an item of a fulfilment order and the batch that holds it.
type Allocation struct {
	ItemCode string `json:"itemCode"`
	Quantity int    `json:"quantity"`
	BatchRef string `json:"batchRef"`
}

// FulfilmentAllocated: every item of the fulfilment order is allocated.
type FulfilmentAllocated struct {
	FulfilmentOrderID string       `json:"fulfilmentOrderId"`
	Allocations       []Allocation `json:"allocations"`
}

// FulfilmentBackordered: some items could not be allocated; the allocated
// ones stay allocated.
type FulfilmentBackordered struct {
	FulfilmentOrderID string       `json:"fulfilmentOrderId"`
	Allocations       []Allocation `json:"allocations"`
	Missing           []Item       `json:"missing"`
}
