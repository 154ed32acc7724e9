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
type Customer struct {
	ID string `json:"id"`
	// Orders marks each order id the customer is known for. Keeping the ids
	// (not just counts) makes a repeated order count once even if the
	// inbox were bypassed.
	Orders map[string]CustomerOrder `json:"orders"`
	// VipSince is when the customer became VIP (zero: not VIP). VIP is
	// permanent: cancelling later does not demote.
	VipSince time.Time `json:"vipSince,omitzero"`
}

// CustomerOrder is what the customer aggregate knows of one order. A
// cancellation may be seen before its placement (messages of one order
// are not ordered after a retry); such an order never counts.
type CustomerOrder struct {
	Placed    bool `json:"placed,omitempty"`
	Cancelled bool `json:"cancelled,omitempty"`
}

// Counts is a customer's order tally.
type Counts struct {
	// Placed counts placed orders; Cancelled those of them cancelled;
	// Counted those placed and not cancelled.
	Placed, Cancelled, Counted int
}

// CustomerEvent is an event of the customer aggregate.
type CustomerEvent interface{ customerEvent() }

// OrderCounted: the customer placed the order.
type OrderCounted struct {
	OrderID string
	At      time.Time
}

// OrderUncounted: the customer's order was cancelled.
type OrderUncounted struct {
	OrderID string
	At      time.Time
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
func NewCustomer(id string) Customer {
	return Customer{ID: id, Orders: map[string]CustomerOrder{}}
}

// Known reports whether the customer has placed an order.
func (c Customer) Known() bool { return c.Counts().Placed > 0 }

// Tier is REGULAR or VIP.
func (c Customer) Tier() Tier {
	if c.VipSince.IsZero() {
		return Regular
	}
	return VIP
}

// Counts tallies the customer's orders.
func (c Customer) Counts() Counts {
	var n Counts
	for _, o := range c.Orders {
		if !o.Placed {
			continue
		}
		n.Placed++
		if o.Cancelled {
			n.Cancelled++
		} else {
			n.Counted++
		}
	}
	return n
}

// Place decides the events of the customer placing order id at time at:
// OrderCounted, and BecameVip when it is the VipAfter-th counted order of a
// customer who is not VIP yet. An order already placed raises nothing.
func (c Customer) Place(id string, at time.Time) []CustomerEvent {
	o := c.Orders[id]
	if o.Placed {
		return nil
	}
	evs := []CustomerEvent{OrderCounted{OrderID: id, At: at}}
	if n := c.Counts().Counted + 1; !o.Cancelled && n >= VipAfter && c.Tier() != VIP {
		evs = append(evs, BecameVip{Orders: n, At: at})
	}
	return evs
}

// Cancel decides the events of the customer's order id being cancelled:
// OrderUncounted, or nothing if it was cancelled already.
func (c Customer) Cancel(id string, at time.Time) []CustomerEvent {
	if c.Orders[id].Cancelled {
		return nil
	}
	return []CustomerEvent{OrderUncounted{OrderID: id, At: at}}
}

// Apply folds one event into the state.
func (c *Customer) Apply(e CustomerEvent) error {
	if c.Orders == nil {
		c.Orders = map[string]CustomerOrder{}
	}
	switch e := e.(type) {
	case OrderCounted:
		o := c.Orders[e.OrderID]
		o.Placed = true
		c.Orders[e.OrderID] = o
	case OrderUncounted:
		o := c.Orders[e.OrderID]
		o.Cancelled = true
		c.Orders[e.OrderID] = o
	case BecameVip:
		if c.VipSince.IsZero() {
			c.VipSince = e.At
		}
	default:
		return fmt.Errorf("customer %s: unknown event %T", c.ID, e)
	}
	return nil
}
