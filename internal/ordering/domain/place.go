package domain

import (
	"fmt"
	"strings"
	"time"
)

// PlaceRequest is what a customer asks for.
type PlaceRequest struct {
	CustomerID      string  `json:"customerId"`
	Lines           []Line  `json:"lines"`
	DeliveryAddress Address `json:"deliveryAddress"`
	// CartID names the cart whose reservations become this order's allocation.
	CartID string `json:"cartId,omitempty"`
	// DeliverySlot is the chosen delivery window, free text such as
	// "2026-12-02 18:00-20:00" (empty: the earliest).
	DeliverySlot string `json:"deliverySlot,omitempty"`
}

// MaxDeliverySlot bounds the delivery slot's length.
const MaxDeliverySlot = 64

// FieldError names an invalid field of a request.
type FieldError struct{ Field, Reason string }

// ValidationError lists every invalid field.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = f.Field + ": " + f.Reason
	}
	return "invalid order: " + strings.Join(parts, "; ")
}

// Validate checks the request's shape (not whether the SKUs exist).
func (r PlaceRequest) Validate() error {
	var errs ValidationError
	add := func(f, reason string) { errs = append(errs, FieldError{f, reason}) }
	if !ValidID(r.CustomerID) {
		add("customerId", "required: 1-128 letters, digits or ._:@-")
	}
	switch {
	case len(r.Lines) == 0:
		add("lines", "required: at least one line")
	case len(r.Lines) > MaxLines:
		add("lines", fmt.Sprintf("at most %d lines", MaxLines))
	}
	seen := map[string]bool{}
	for i, l := range r.Lines {
		p := fmt.Sprintf("lines[%d]", i)
		switch {
		case !ValidSKU(l.SKU):
			add(p+".sku", "required: 1-64 letters, digits or ._-")
		case seen[l.SKU]:
			add(p+".sku", "duplicate SKU "+l.SKU+"; put the whole quantity on one line")
		}
		seen[l.SKU] = true
		if l.Qty <= 0 || l.Qty > MaxLineQty {
			add(p+".qty", fmt.Sprintf("must be between 1 and %d", MaxLineQty))
		}
		if l.UnitPrice < 0 || l.UnitPrice > MaxUnitPrice {
			add(p+".unitPrice", fmt.Sprintf("must be between 0 and %d minor units", MaxUnitPrice))
		}
		if l.BatchRef != "" {
			add(p+".batchRef", "is set by the system, not by the client")
		}
	}
	a := r.DeliveryAddress
	for _, f := range [][2]string{{"name", a.Name}, {"line1", a.Line1}, {"postcode", a.Postcode}} {
		if strings.TrimSpace(f[1]) == "" {
			add("deliveryAddress."+f[0], "required")
		}
	}
	if r.CartID != "" && !ValidID(r.CartID) {
		add("cartId", "1-128 letters, digits or ._:@-")
	}
	if len(r.DeliverySlot) > MaxDeliverySlot || strings.ContainsAny(r.DeliverySlot, "\x00\n\r") {
		add("deliverySlot", fmt.Sprintf("at most %d characters on one line", MaxDeliverySlot))
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// NewOrder creates a placed order from a valid request.
func NewOrder(id string, r PlaceRequest, at time.Time) Order {
	lines := append([]Line(nil), r.Lines...)
	var total int64
	for _, l := range lines {
		total += l.UnitPrice * int64(l.Qty)
	}
	return Order{ID: id, CustomerID: r.CustomerID, Status: Placed, Lines: lines, TotalAmount: total,
		DeliveryAddress: r.DeliveryAddress, CartID: r.CartID, DeliverySlot: r.DeliverySlot, PlacedAt: at, UpdatedAt: at,
		History: []Transition{{Status: Placed, At: at}}}
}
