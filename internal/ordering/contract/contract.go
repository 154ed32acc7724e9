// Package contract is the ordering service's published language: the
// events it publishes on topic "ordering". Other services may import this
// package and nothing else of ordering. Payloads change compatibly (new
// optional fields); an incompatible change gets a new type name.
package contract

import "time"

// Topic carries every ordering event.
const Topic = "ordering"

// Source is the CloudEvents source of ordering events.
const Source = "/banchan/ordering"

// Event type names.
const (
	TypeOrderPlaced       = "OrderPlaced"
	TypeOrderCancelled    = "OrderCancelled"
	TypeCustomerBecameVip = "CustomerBecameVip"
)

// OrderPlaced: a customer placed an order; the ordering service accepted
// and stored it.
type OrderPlaced struct {
	ID              string    `json:"id"`
	CustomerID      string    `json:"customerId"`
	Lines           []Line    `json:"lines"`
	TotalAmount     int64     `json:"totalAmount"`
	DeliveryAddress Address   `json:"deliveryAddress"`
	PlacedAt        time.Time `json:"placedAt"`
	// CartID, when set, names the cart whose reservations the order takes.
	CartID string `json:"cartId,omitempty"`
	// DeliverySlot is the chosen delivery window (free text; empty: the earliest).
	DeliverySlot string `json:"deliverySlot,omitempty"`
}

// Line is one ordered item; prices are integer minor units.
type Line struct {
	SKU       string `json:"sku"`
	Qty       int    `json:"qty"`
	UnitPrice int64  `json:"unitPrice"`
}

// Address is where an order is delivered.
type Address struct {
	Name     string `json:"name"`
	Line1    string `json:"line1"`
	Line2    string `json:"line2,omitempty"`
	Postcode string `json:"postcode"`
	Phone    string `json:"phone,omitempty"`
}

// OrderCancelled: an order was cancelled before it shipped. It repeats the
// order's lines so that read models need not remember them.
type OrderCancelled struct {
	ID          string    `json:"id"`
	CustomerID  string    `json:"customerId"`
	Lines       []Line    `json:"lines"`
	TotalAmount int64     `json:"totalAmount"`
	Reason      string    `json:"reason,omitempty"`
	CancelledAt time.Time `json:"cancelledAt"`
}

// CustomerBecameVip: the customer's third placed (not cancelled) order made
// them a VIP. It happens once per customer.
type CustomerBecameVip struct {
	CustomerID string    `json:"customerId"`
	Orders     int       `json:"orders"`
	At         time.Time `json:"at"`
}
