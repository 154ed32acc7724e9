// Package contract is the SCM's published language: the commands it accepts
// on topic "scm-commands" and the events it publishes on topic "scm". It
// speaks of fulfilment orders and item codes, not of customer orders and
// SKUs: the SCM adapter translates between the two models.
package contract

import "time"

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
	TypeBatchQuantityChanged    = "BatchQuantityChanged"
	TypeLineDeallocated         = "LineDeallocated"
	TypeLineBackordered         = "LineBackordered"
	TypeStockReserved           = "StockReserved"
	TypeReservationReleased     = "ReservationReleased"

	// Fulfilment progress after allocation, and its exceptions.
	TypeCancelFulfilmentOrder    = "CancelFulfilmentOrder"
	TypeCookingStarted           = "CookingStarted"
	TypeFulfilmentCooked         = "FulfilmentCooked"
	TypeShippingInstructed       = "ShippingInstructed"
	TypeShipmentPickedUp         = "ShipmentPickedUp"
	TypeShipmentPacked           = "ShipmentPacked"
	TypeShipmentShipped          = "ShipmentShipped"
	TypeShipmentDelivered        = "ShipmentDelivered"
	TypeFulfilmentCancelled      = "FulfilmentCancelled"
	TypeFulfilmentCancelRejected = "FulfilmentCancelRejected"
	TypeFulfilmentDelayed        = "FulfilmentDelayed"
	TypePurchaseOrderRaised      = "PurchaseOrderRaised"
	TypePurchaseOrderReceived    = "PurchaseOrderReceived"
)

// AllocateFulfilmentOrder asks inventory to allocate stock to every item.
type AllocateFulfilmentOrder struct {
	FulfilmentOrderID string `json:"fulfilmentOrderId"`
	// CartID, when set, names the cart whose reservations become the
	// allocation.
	CartID string `json:"cartId,omitempty"`
	Items  []Item `json:"items"`
	ShipTo ShipTo `json:"shipTo"`
	// DeliverySlot is the customer's chosen delivery window, free text
	// such as "2026-12-02 18:00-20:00" (empty: the earliest).
	DeliverySlot string `json:"deliverySlot,omitempty"`
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
// Revision grows with every change of the order's allocation state, so that
// a consumer can tell a late event from a new one.
type FulfilmentAllocated struct {
	FulfilmentOrderID string       `json:"fulfilmentOrderId"`
	Revision          int64        `json:"revision"`
	Allocations       []Allocation `json:"allocations"`
}

// FulfilmentBackordered: some items wait for stock (never allocated, or
// taken out of a batch whose quantity dropped); the allocated ones stay.
type FulfilmentBackordered struct {
	FulfilmentOrderID string       `json:"fulfilmentOrderId"`
	Revision          int64        `json:"revision"`
	Allocations       []Allocation `json:"allocations"`
	Missing           []Item       `json:"missing"`
}

// BatchQuantityChanged: a batch's quantity was corrected (damage, a count).
type BatchQuantityChanged struct {
	Ref string `json:"ref"`
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// LineDeallocated: a line was taken out of its batch (a quantity change,
// or its order was cancelled).
type LineDeallocated struct {
	OrderID  string `json:"orderid"`
	SKU      string `json:"sku"`
	Qty      int    `json:"qty"`
	BatchRef string `json:"batchref"`
	Reason   string `json:"reason"`
}

// LineBackordered: a line waits for stock; it is allocated when stock arrives.
type LineBackordered struct {
	OrderID string `json:"orderid"`
	SKU     string `json:"sku"`
	Qty     int    `json:"qty"`
}

// StockReserved: a cart holds stock until ExpiresAt. MovedFrom names the
// batch the same hold was in before a quantity change moved it (the hold
// in that batch is over; no ReservationReleased says so).
type StockReserved struct {
	CartID    string `json:"cartId"`
	SKU       string `json:"sku"`
	Qty       int    `json:"qty"`
	BatchRef  string `json:"batchref"`
	ExpiresAt string `json:"expiresAt"`
	MovedFrom string `json:"movedFrom,omitempty"`
}

// ReservationReleased: a cart's hold ended (released, expired, replaced,
// converted into an order, or squeezed out by a quantity change).
type ReservationReleased struct {
	CartID   string `json:"cartId"`
	SKU      string `json:"sku"`
	Qty      int    `json:"qty"`
	BatchRef string `json:"batchref"`
	Reason   string `json:"reason"`
}

// CancelFulfilmentOrder asks the SCM to stop fulfilling an order and undo
// what it can: release the allocation, cancel cook tasks and any shipment
// not yet shipped. Once shipped, it is refused (FulfilmentCancelRejected).
type CancelFulfilmentOrder struct {
	FulfilmentOrderID string `json:"fulfilmentOrderId"`
	Reason            string `json:"reason,omitempty"`
}

// CookingStarted: the kitchen started cooking an item of the order (the
// first task started moves the order to cooking).
type CookingStarted struct {
	FulfilmentOrderID string    `json:"fulfilmentOrderId"`
	TaskID            string    `json:"taskId"`
	ItemCode          string    `json:"itemCode"`
	At                time.Time `json:"at"`
}

// FulfilmentCooked: every cook task of the order is done.
type FulfilmentCooked struct {
	FulfilmentOrderID string    `json:"fulfilmentOrderId"`
	At                time.Time `json:"at"`
}

// ShippingInstructed: the order is allocated and cooked; the warehouse
// has a shipment to pick and pack.
type ShippingInstructed struct {
	FulfilmentOrderID string    `json:"fulfilmentOrderId"`
	ShipmentID        string    `json:"shipmentId"`
	At                time.Time `json:"at"`
}

// ShipmentProgress is a warehouse step of a shipment: ShipmentPickedUp or
// ShipmentPacked.
type ShipmentProgress struct {
	FulfilmentOrderID string    `json:"fulfilmentOrderId"`
	ShipmentID        string    `json:"shipmentId"`
	At                time.Time `json:"at"`
}

// ShipmentShipped: a carrier took the parcel.
type ShipmentShipped struct {
	FulfilmentOrderID string    `json:"fulfilmentOrderId"`
	ShipmentID        string    `json:"shipmentId"`
	DeliveryID        string    `json:"deliveryId"`
	Carrier           string    `json:"carrier"`
	TrackingNumber    string    `json:"trackingNumber"`
	At                time.Time `json:"at"`
}

// ShipmentDelivered: the parcel reached the customer.
type ShipmentDelivered struct {
	FulfilmentOrderID string    `json:"fulfilmentOrderId"`
	ShipmentID        string    `json:"shipmentId"`
	DeliveryID        string    `json:"deliveryId"`
	At                time.Time `json:"at"`
}

// FulfilmentCancelled: the SCM stopped the order and undid its stages
// (Stage is how far it had got: ALLOCATED, COOKING, PICKED_UP, PACKED...).
type FulfilmentCancelled struct {
	FulfilmentOrderID string    `json:"fulfilmentOrderId"`
	Stage             string    `json:"stage"`
	Reason            string    `json:"reason,omitempty"`
	At                time.Time `json:"at"`
}

// FulfilmentCancelRejected: too late to cancel (the parcel has shipped).
type FulfilmentCancelRejected struct {
	FulfilmentOrderID string `json:"fulfilmentOrderId"`
	Stage             string `json:"stage"`
	Reason            string `json:"reason"`
}

// FulfilmentDelayed: an order missed a deadline of its process (Stage is
// the step it waits for, such as ALLOCATION); raised once per deadline.
type FulfilmentDelayed struct {
	FulfilmentOrderID string    `json:"fulfilmentOrderId"`
	Stage             string    `json:"stage"`
	Deadline          time.Time `json:"deadline"`
	At                time.Time `json:"at"`
}

// PurchaseOrderRaised: purchasing ordered stock from a supplier (a
// backorder, or available stock below the reorder point).
type PurchaseOrderRaised struct {
	PurchaseOrderID string `json:"purchaseOrderId"`
	ItemCode        string `json:"itemCode"`
	Quantity        int    `json:"quantity"`
	Reason          string `json:"reason"`
}

// PurchaseOrderReceived: the stock arrived and is a batch now.
type PurchaseOrderReceived struct {
	PurchaseOrderID string `json:"purchaseOrderId"`
	ItemCode        string `json:"itemCode"`
	Quantity        int    `json:"quantity"`
	BatchRef        string `json:"batchRef"`
}
