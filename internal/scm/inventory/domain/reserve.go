package domain

import (
	"fmt"
	"time"
)

// Reserve holds qty of the product for a cart until the given time,
// replacing the cart's earlier reservation of this SKU. Reserved stock is
// not available to others. Without room it changes nothing and returns
// ErrOutOfStock.
func (p *Product) Reserve(cartID string, qty int, until, now time.Time) (Allocation, error) {
	switch {
	case cartID == "":
		return Allocation{}, fmt.Errorf("%w: cart id: required", ErrInvalid)
	case qty <= 0 || qty > MaxBatchQty:
		return Allocation{}, fmt.Errorf("%w: qty %d: must be between 1 and %d", ErrInvalid, qty, MaxBatchQty)
	}
	var old *Allocation
	if i := p.holdOf(cartID); i >= 0 {
		o := p.unhold(i)
		old = &o
	}
	b := p.choose(qty)
	if b == nil {
		if old != nil {
			p.hold(*old) // nothing changes
		}
		if avail := p.Available(); avail >= qty {
			return Allocation{}, fmt.Errorf("%w: %d of %s wanted, %d available but at most %d in one batch (one batch holds a reservation)",
				ErrOutOfStock, qty, p.SKU, avail, p.mostFree())
		}
		return Allocation{}, fmt.Errorf("%w: %d of %s wanted, %d available", ErrOutOfStock, qty, p.SKU, p.Available())
	}
	if old != nil {
		p.record(ReservationReleased{Allocation: *old, Reason: "replaced"})
	}
	a := Allocation{Line: Line{SKU: p.SKU, Qty: qty}, BatchRef: b.Ref, Seq: p.seq(), CartID: cartID, Until: until}
	p.hold(a)
	p.record(Reserved{Allocation: a})
	if old != nil {
		p.fillBackorders(now)
	}
	return a, nil
}

// Release ends a cart's reservation (the customer took the item out, or
// the reservation expired); the stock goes to waiting lines. Releasing
// what is not reserved is a no-op, so a repeated expiry changes nothing.
func (p *Product) Release(cartID, reason string, now time.Time) bool {
	i := p.holdOf(cartID)
	if i < 0 {
		return false
	}
	a := p.unhold(i)
	p.record(ReservationReleased{Allocation: a, Reason: reason})
	p.fillBackorders(now)
	return true
}

// Expire releases every reservation whose time is up.
func (p *Product) Expire(now time.Time) int {
	var carts []string
	for _, a := range p.Allocations {
		if a.Reservation() && !a.Until.After(now) {
			carts = append(carts, a.CartID)
		}
	}
	for _, c := range carts {
		p.Release(c, "expired", now)
	}
	return len(carts)
}

// Reservation returns a cart's reservation of the product, if any.
func (p *Product) Reservation(cartID string) (Allocation, bool) {
	if i := p.holdOf(cartID); i >= 0 {
		return p.Allocations[i], true
	}
	return Allocation{}, false
}

// mostFree is the most stock free in one batch.
func (p *Product) mostFree() int {
	n := 0
	for _, b := range p.Batches {
		n = max(n, b.Available())
	}
	return n
}
