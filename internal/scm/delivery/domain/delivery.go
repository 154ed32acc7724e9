// Package domain is delivery's model: a packed order becomes a delivery,
// handed to a carrier with a tracking number, then delivered. Pure: no I/O.
package domain

import (
	"strings"
	"time"
	"unicode"

	"github.com/banchan/banchan/internal/scm/messages"
)

// Delivery statuses.
const (
	Ready     = "READY"
	Shipped   = "SHIPPED"
	Delivered = "DELIVERED"
	Cancelled = "CANCELLED"
)

// ValidStatus reports whether s is a delivery status.
func ValidStatus(s string) bool {
	return s == Ready || s == Shipped || s == Delivered || s == Cancelled
}

// Delivery takes one packed shipment to the customer.
type Delivery struct {
	ID             string    `json:"id"`
	OrderID        string    `json:"orderId"`
	ShipmentID     string    `json:"shipmentId"`
	Status         string    `json:"status"`
	Carrier        string    `json:"carrier,omitempty"`
	TrackingNumber string    `json:"trackingNumber,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	ShippedAt      time.Time `json:"shippedAt,omitzero"`
	DeliveredAt    time.Time `json:"deliveredAt,omitzero"`
	UpdatedAt      time.Time `json:"updatedAt"`
	// Version guards concurrent changes; Correlation is the order's
	// correlation id, which the delivery's events carry.
	Version     int64  `json:"-"`
	Correlation string `json:"-"`
}

// NewDelivery readies a packed shipment for a carrier.
func NewDelivery(id, orderID, shipmentID, correlation string, now time.Time) Delivery {
	return Delivery{ID: id, OrderID: orderID, ShipmentID: shipmentID, Status: Ready, CreatedAt: now, UpdatedAt: now,
		Correlation: correlation}
}

// Problem names an invalid field.
type Problem struct{ Field, Reason string }

// CheckShip lists what is wrong with a carrier and tracking number.
func CheckShip(carrier, tracking string) []Problem {
	var ps []Problem
	if !printable(carrier, 64) {
		ps = append(ps, Problem{"carrier", "required: 1-64 printable characters"})
	}
	if !printable(tracking, 64) {
		ps = append(ps, Problem{"trackingNumber", "required: 1-64 printable characters"})
	}
	return ps
}

func printable(s string, max int) bool {
	if strings.TrimSpace(s) == "" || len(s) > max {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}

// Ship hands a ready delivery to a carrier.
func (d *Delivery) Ship(carrier, tracking string, now time.Time) error {
	if ps := CheckShip(carrier, tracking); len(ps) > 0 {
		return messages.Invalid("%s: %s", ps[0].Field, ps[0].Reason)
	}
	if d.Status != Ready {
		return d.refuse("ship", Ready)
	}
	d.Status, d.Carrier, d.TrackingNumber, d.ShippedAt, d.UpdatedAt = Shipped, carrier, tracking, now, now
	return nil
}

// Deliver records that the shipped parcel reached the customer.
func (d *Delivery) Deliver(now time.Time) error {
	if d.Status != Shipped {
		return d.refuse("deliver", Shipped)
	}
	d.Status, d.DeliveredAt, d.UpdatedAt = Delivered, now, now
	return nil
}

// Cancel stops a delivery not yet shipped; it reports whether it did.
func (d *Delivery) Cancel(now time.Time) bool {
	if d.Status != Ready {
		return false
	}
	d.Status, d.UpdatedAt = Cancelled, now
	return true
}

func (d *Delivery) refuse(step, want string) error {
	return &messages.StatusError{Kind: "delivery", ID: d.ID, Status: d.Status, Step: step, Want: want}
}
