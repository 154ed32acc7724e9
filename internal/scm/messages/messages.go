package messages

import "time"

// Item is a quantity of one item code (a SKU).
type Item struct {
	ItemCode string
	Quantity int
}

// FulfilmentAccepted: inventory took a fulfilment order in, before
// allocating it. Published once per order.
type FulfilmentAccepted struct {
	OrderID string
	Items   []Item
	At      time.Time
	Origin  Origin
}

// FulfilmentAllocated: every item of the order is allocated, for the first
// time or again (after a backorder). Revision grows with every change.
type FulfilmentAllocated struct {
	OrderID  string
	Revision int64
	Items    []Item
	At       time.Time
	Origin   Origin
}

// FulfilmentBackordered: some items of the order wait for stock.
type FulfilmentBackordered struct {
	OrderID  string
	Revision int64
	Missing  []Item
	At       time.Time
	Origin   Origin
}

// StockChanged: a SKU's stock, or the lines waiting for it, changed.
// Available is what no line or reservation holds; Waiting the quantity of
// backordered lines.
type StockChanged struct {
	SKU       string
	Available int
	Waiting   int
	At        time.Time
	Origin    Origin
}

// StockLevel asks inventory for a SKU's stock as StockChanged tells it.
// Inventory, its only handler, sets *Result (Result must not be nil);
// Known is false for a SKU inventory never held.
type StockLevel struct {
	SKU    string
	Result *Level
}

// Level is a SKU's stock as inventory reports it.
type Level struct {
	Available int
	Waiting   int
	Known     bool
}

// ReceiveStock asks inventory to take stock in: a new batch in the
// warehouse, or more of an existing batch of the same SKU. Inventory, its
// only handler, sets *Result to the batch afterwards (Result must not be
// nil); it refuses with ErrInvalid or ErrConflict.
type ReceiveStock struct {
	Ref    string
	SKU    string
	Qty    int
	Origin Origin
	Result *Batch
}

// Batch is a batch of stock as inventory reports it.
type Batch struct {
	Ref       string `json:"ref"`
	SKU       string `json:"sku"`
	Qty       int    `json:"qty"`
	Allocated int    `json:"allocated"`
	Available int    `json:"available"`
}

// Progressed: an order reached a stage of its fulfilment (COOKING, COOKED,
// AWAITING_PICK, PICKED_UP, PACKED, SHIPPED, DELIVERED). COOKED is stated
// also for an order with nothing to cook, as soon as it is allocated.
type Progressed struct {
	OrderID    string
	Stage      string
	ShipmentID string
	DeliveryID string
	At         time.Time
	Origin     Origin
}

// FulfilmentCancelled: the order is cancelled and every module undoes its
// part (inventory releases the stock, the kitchen cancels open tasks, the
// warehouse and delivery cancel what has not shipped). Stage is how far
// the order had got. The process module states it, after checking that the
// order has not shipped.
type FulfilmentCancelled struct {
	OrderID string
	Stage   string
	Reason  string
	At      time.Time
	Origin  Origin
}
