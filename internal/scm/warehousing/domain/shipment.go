// Package domain is the warehouse's model: inbound receipts of stock, and
// outbound shipments, instructed once an order is allocated and cooked,
// then picked up and packed. Pure: no I/O.
package domain

import (
	"time"

	"github.com/banchan/banchan/internal/scm/messages"
)

// Shipment statuses.
const (
	AwaitingPick = "AWAITING_PICK"
	OnHold       = "ON_HOLD" // the order was backordered again before pick
	PickedUp     = "PICKED_UP"
	Packed       = "PACKED"
	Shipped      = "SHIPPED" // the carrier took it (told by delivery)
	Cancelled    = "CANCELLED"
)

// ValidStatus reports whether s is a shipment status.
func ValidStatus(s string) bool {
	switch s {
	case AwaitingPick, OnHold, PickedUp, Packed, Shipped, Cancelled:
		return true
	}
	return false
}

// Shipment is the warehouse's work for one order: pick it up, pack it.
type Shipment struct {
	ID        string    `json:"id"`
	OrderID   string    `json:"orderId"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
	PickedAt  time.Time `json:"pickedAt,omitzero"`
	PackedAt  time.Time `json:"packedAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Version guards concurrent changes; Correlation is the order's
	// correlation id, which the shipment's events carry.
	Version     int64  `json:"-"`
	Correlation string `json:"-"`
}

// NewShipment instructs shipping an order.
func NewShipment(id, orderID, correlation string, now time.Time) Shipment {
	return Shipment{ID: id, OrderID: orderID, Status: AwaitingPick, CreatedAt: now, UpdatedAt: now, Correlation: correlation}
}

// Pick records that the order was picked up. Only a shipment awaiting pick
// can be (not one on hold, nor one picked already).
func (s *Shipment) Pick(now time.Time) error {
	if s.Status != AwaitingPick {
		return s.refuse("pick", AwaitingPick)
	}
	s.Status, s.PickedAt, s.UpdatedAt = PickedUp, now, now
	return nil
}

// Pack records that the picked order was packed.
func (s *Shipment) Pack(now time.Time) error {
	if s.Status != PickedUp {
		return s.refuse("pack", PickedUp)
	}
	s.Status, s.PackedAt, s.UpdatedAt = Packed, now, now
	return nil
}

// Hold stops a shipment awaiting pick (its order lost stock); it reports
// whether it did.
func (s *Shipment) Hold(now time.Time) bool { return s.move(AwaitingPick, OnHold, now) }

// Release lets a held shipment be picked again (its order is allocated).
func (s *Shipment) Release(now time.Time) bool { return s.move(OnHold, AwaitingPick, now) }

// Ship records that the carrier took the packed parcel.
func (s *Shipment) Ship(now time.Time) bool { return s.move(Packed, Shipped, now) }

// Cancel stops a shipment that has not shipped; it reports whether it did.
func (s *Shipment) Cancel(now time.Time) bool {
	if s.Status == Shipped || s.Status == Cancelled {
		return false
	}
	s.Status, s.UpdatedAt = Cancelled, now
	return true
}

func (s *Shipment) move(from, to string, now time.Time) bool {
	if s.Status != from {
		return false
	}
	s.Status, s.UpdatedAt = to, now
	return true
}

func (s *Shipment) refuse(step, want string) error {
	return &messages.StatusError{Kind: "shipment", ID: s.ID, Status: s.Status, Step: step, Want: want}
}

// Order is what the warehouse knows of a fulfilment order before and
// while it ships it: the two facts it waits for, in whatever order they
// come, and the shipment once instructed.
type Order struct {
	ID          string
	Allocated   bool
	Cooked      bool
	Cancelled   bool
	ShipmentID  string
	Correlation string
	Version     int64
}

// Ready reports whether shipping is to be instructed now: allocated and
// cooked, not cancelled, not instructed yet.
func (o Order) Ready() bool { return o.Allocated && o.Cooked && !o.Cancelled && o.ShipmentID == "" }
