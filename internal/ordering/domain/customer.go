package domain

import (
	"fmt"
	"time"
)

// Tier is a customer's loyalty tier.
type Tier string

// Tiers.
const (
	Regular Tier = "REGULAR"
	VIP     Tier = "VIP"
)

// VipAfter is how many placed, not cancelled, orders make a customer VIP.
const VipAfter = 3

// Customer is the event-sourced aggregate that counts a customer's orders.
// Its state is the fold of its events (see Apply); commands (Place, Cancel)
// only decide which events to raise, so a repeated command raises nothing.
//
// The state is the tally alone, so a customer with a hundred thousand
// orders loads as fast as one with three. What the customer knows of each
// order (CustomerOrder) is kept per order beside it, written with its
// events, and given to Place and Cancel by the caller; each event says what
// was known of its order before it, so the tally folds from the events
// alone.
type Customer struct {
	ID string `json:"id"`
	// Placed counts the placed orders; Cancelled those of them cancelled.
	Placed    int `json:"placed"`
	Cancelled int `json:"cancelled"`
	// VipSince is when the customer became VIP (zero: not VIP). VIP is
	// permanent: cancelling later does not demote.
	VipSince time.Time `json:"vipSince,omitzero"`
}

// CustomerOrder is what the customer aggregate knows of one order. Keeping
// it per order (not just counts) makes a repeated order count once even if
// the inbox were bypassed. A cancellation may be seen before its placement
// (messages of one order are not ordered after a retry); such an order
// never counts.
type CustomerOrder struct {
	Placed    bool `json:"placed,omitempty"`
	Cancelled bool `json:"cancelled,omitempty"`
}

// Apply folds one of the customer's events about this order into it.
func (o *CustomerOrder) Apply(e CustomerEvent) {
	switch e.(type) {
	case OrderCounted:
		o.Placed = true
	case OrderUncounted:
		o.Cancelled = true
	}
}

// Counts is a customer's order tally.
type Counts struct {
	// Placed counts placed orders; Cancelled those of them cancelled;
	// Counted those placed and not cancelled.
	Placed, Cancelled, Counted int
}

// CustomerEvent is an event of the customer aggregate.
type CustomerEvent interface{ customerEvent() }

// OrderCounted: the customer placed the order. WasCancelled: its
// cancellation had been seen first, so it counts as placed and cancelled.
type OrderCounted struct {
	OrderID      string
	At           time.Time
	WasCancelled bool
}

// OrderUncounted: the customer's order was cancelled. WasPlaced: it had
// been counted (a cancellation seen first changes no count until the
// placement arrives).
type OrderUncounted struct {
	OrderID   string
	At        time.Time
	WasPlaced bool
}

// BecameVip: the customer's VipAfter-th counted order made them VIP.
type BecameVip struct {
	Orders int
	At     time.Time
}

func (OrderCounted) customerEvent()   {}
func (OrderUncounted) customerEvent() {}
func (BecameVip) customerEvent()      {}

// NewCustomer is a customer with no events yet.
func NewCustomer(id string) Customer { return Customer{ID: id} }

// Known reports whether the customer has placed an order.
func (c Customer) Known() bool { return c.Placed > 0 }

// Tier is REGULAR or VIP.
func (c Customer) Tier() Tier {
	if c.VipSince.IsZero() {
		return Regular
	}
	return VIP
}

// Counts tallies the customer's orders.
func (c Customer) Counts() Counts {
	return Counts{Placed: c.Placed, Cancelled: c.Cancelled, Counted: c.Placed - c.Cancelled}
}

// Place decides the events of the customer placing order id, of which the
// customer knows o, at time at: OrderCounted, and BecameVip when it is the
// VipAfter-th counted order of a customer who is not VIP yet. An order
// already placed raises nothing.
func (c Customer) Place(id string, o CustomerOrder, at time.Time) []CustomerEvent {
	if o.Placed {
		return nil
	}
	evs := []CustomerEvent{OrderCounted{OrderID: id, At: at, WasCancelled: o.Cancelled}}
	if n := c.Counts().Counted + 1; !o.Cancelled && n >= VipAfter && c.Tier() != VIP {
		evs = append(evs, BecameVip{Orders: n, At: at})
	}
	return evs
}

// Cancel decides the events of the customer's order id, of which the
// customer knows o, being cancelled: OrderUncounted, or nothing if it was
// cancelled already.
func (c Customer) Cancel(id string, o CustomerOrder, at time.Time) []CustomerEvent {
	if o.Cancelled {
		return nil
	}
	return []CustomerEvent{OrderUncounted{OrderID: id, At: at, WasPlaced: o.Placed}}
}

// Apply folds one event into the state.
func (c *Customer) Apply(e CustomerEvent) error {
	switch e := e.(type) {
	case OrderCounted:
		c.Placed++
		if e.WasCancelled {
			c.Cancelled++
		}
	case OrderUncounted:
		if e.WasPlaced {
			c.Cancelled++
		}
	case BecameVip:
		if c.VipSince.IsZero() {
			c.VipSince = e.At
		}
	default:
		return fmt.Errorf("customer %s: unknown event %T", c.ID, e)
	}
	return nil
}
