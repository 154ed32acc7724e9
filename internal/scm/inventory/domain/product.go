// Package domain is the inventory model: a Product aggregate per SKU holds
// its batches, the order lines and cart reservations allocated to them and
// the lines waiting for stock. Allocation prefers warehouse stock, then the
// earliest ETA. Every change goes through the Product, which records what
// happened as events for the application to persist and publish. Pure: no I/O.
package domain

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Line is a quantity of a SKU for an order; order id and SKU identify it.
type Line struct {
	OrderID string `json:"orderid"`
	SKU     string `json:"sku"`
	Qty     int    `json:"qty"`
}

// Allocation is a line, or a cart's reservation, held by a batch. Seq
// orders allocations within the product: the highest is the most recent.
type Allocation struct {
	Line
	BatchRef string    `json:"batchref"`
	Seq      int64     `json:"seq"`
	CartID   string    `json:"cartId,omitempty"` // set for a reservation
	Until    time.Time `json:"until,omitzero"`   // a reservation's expiry
}

// Reservation reports whether the allocation is a cart's hold.
func (a Allocation) Reservation() bool { return a.CartID != "" }

// Backorder is a line waiting for stock, oldest (lowest Seq) first.
type Backorder struct {
	Line
	Seq   int64     `json:"seq"`
	Since time.Time `json:"since"`
}

// Product is the aggregate of one SKU. Version guards concurrent changes:
// the repository saves a product only if its version is still the one it
// loaded.
//
// Batches carry their allocated and reserved totals, so that a product with
// many lines need not load them all: Allocations holds the lines a command
// works on (the repository loads them by order, cart, batch or due time,
// see Scope), and every change keeps the totals in step. Likewise Batches
// need not hold the batches with nothing free that no loaded line is in:
// they cannot take a line, and the product's totals do not need them.
type Product struct {
	SKU         string
	Version     int64
	NextSeq     int64
	Batches     []Batch
	Allocations []Allocation
	// Backorders are the waiting lines, oldest first: all of them when
	// AllWaiting, else only those of the orders a command works on (a
	// command that only takes stock, such as an allocation, needs no
	// other; see the repository's Scope). Waiting is the quantity of every
	// waiting line, loaded or not.
	Backorders []Backorder
	AllWaiting bool
	Waiting    int
	Events     []Event
	// Loaded keeps the batches as loaded, for the repository to write only
	// what changed.
	Loaded map[string]Batch
}

// NewProduct starts a product without stock.
func NewProduct(sku string) *Product { return &Product{SKU: sku, NextSeq: 1, AllWaiting: true} }

// unbackorder takes the waiting line at i off the list.
func (p *Product) unbackorder(i int) Backorder {
	bo := p.Backorders[i]
	p.Backorders = slices.Delete(p.Backorders, i, i+1)
	p.Waiting -= bo.Qty
	return bo
}

// ErrAllWaitingNeeded is Attempt's answer when its function needed every
// waiting line of a product loaded with only some.
var ErrAllWaitingNeeded = errors.New("inventory: every waiting line is needed")

// allWaitingNeeded is the panic of needAllWaiting.
type allWaitingNeeded struct{ msg string }

func (e allWaitingNeeded) Error() string { return e.msg }

// needAllWaiting guards what gives stock to waiting lines: it must see
// them all, or it would serve some out of turn. It panics on a product
// loaded with only some; Attempt turns that into ErrAllWaitingNeeded.
func (p *Product) needAllWaiting(what string) {
	if !p.AllWaiting {
		panic(allWaitingNeeded{fmt.Sprintf("inventory: %s of %s with only some of its waiting lines loaded", what, p.SKU)})
	}
}

// Attempt runs fn on p. If fn turns out to give stock to waiting lines
// while p holds only some of them, it stops there and Attempt returns
// ErrAllWaitingNeeded: p is then spoilt, and the caller loads the product
// again with every waiting line and runs fn on that. So a command that
// usually only takes stock (a reservation, a release of nothing) reads
// only its own lines, and one that turns out to free stock pays for the
// waiting list.
func (p *Product) Attempt(fn func(*Product) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(allWaitingNeeded); !ok {
				panic(r)
			}
			err = ErrAllWaitingNeeded
		}
	}()
	return fn(p)
}

func (p *Product) record(e Event) { p.Events = append(p.Events, e) }

func (p *Product) seq() int64 { s := p.NextSeq; p.NextSeq++; return s }

// hold adds an allocation (a line or a reservation) and counts it on its batch.
func (p *Product) hold(a Allocation) {
	p.Allocations = append(p.Allocations, a)
	p.count(a, a.Qty)
}

// unhold removes the i-th allocation and uncounts it.
func (p *Product) unhold(i int) Allocation {
	a := p.Allocations[i]
	p.Allocations = slices.Delete(p.Allocations, i, i+1)
	p.count(a, -a.Qty)
	return a
}

func (p *Product) count(a Allocation, qty int) {
	if b := p.batch(a.BatchRef); b != nil {
		if a.Reservation() {
			b.Reserved += qty
		} else {
			b.Allocated += qty
		}
	}
}

func (p *Product) batch(ref string) *Batch {
	for i := range p.Batches {
		if p.Batches[i].Ref == ref {
			return &p.Batches[i]
		}
	}
	return nil
}

// Available is the stock of the product no line or reservation holds.
func (p *Product) Available() int {
	n := 0
	for _, b := range p.Batches {
		n += max(0, b.Available())
	}
	return n
}

// choose returns the preferred batch with room for qty.
func (p *Product) choose(qty int) *Batch {
	bs := slices.Clone(p.Batches)
	preferred(bs)
	for _, b := range bs {
		if b.Available() >= qty {
			return p.batch(b.Ref)
		}
	}
	return nil
}

func (p *Product) allocationOf(orderID string) int {
	return slices.IndexFunc(p.Allocations, func(a Allocation) bool { return !a.Reservation() && a.OrderID == orderID })
}

func (p *Product) holdOf(cartID string) int {
	return slices.IndexFunc(p.Allocations, func(a Allocation) bool { return a.CartID == cartID })
}

func (p *Product) backorderOf(orderID string) int {
	return slices.IndexFunc(p.Backorders, func(b Backorder) bool { return b.OrderID == orderID })
}

func (p *Product) checkLine(l Line) error {
	switch {
	case l.SKU != p.SKU:
		return fmt.Errorf("%w: line for %s given to product %s", ErrInvalid, l.SKU, p.SKU)
	case l.OrderID == "":
		return fmt.Errorf("%w: line without an order id", ErrInvalid)
	case l.Qty <= 0:
		return fmt.Errorf("%w: qty %d: must be at least 1", ErrInvalid, l.Qty)
	}
	return nil
}
