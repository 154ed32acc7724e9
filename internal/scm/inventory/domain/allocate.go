package domain

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Allocate puts a line in the preferred batch with room and returns the
// batch. Allocating a line already allocated is a no-op that returns its
// batch. A line no batch can take is backordered (OutOfStock and
// Backordered events) and ErrOutOfStock is returned; it is allocated later
// when stock arrives.
func (p *Product) Allocate(l Line, now time.Time) (string, error) {
	if err := p.checkLine(l); err != nil {
		return "", err
	}
	if i := p.allocationOf(l.OrderID); i >= 0 {
		return p.Allocations[i].BatchRef, nil
	}
	if p.backorderOf(l.OrderID) >= 0 {
		return "", ErrOutOfStock
	}
	return p.allocate(l, p.seq(), now)
}

// allocate puts a line in the preferred batch with room, or backorders it.
// seq is the line's place among the product's lines (its age): a line
// keeps it when it is reallocated or leaves the backorders, so that the
// oldest lines are served first and the most recent give way first.
func (p *Product) allocate(l Line, seq int64, now time.Time) (string, error) {
	b := p.choose(l.Qty)
	if b == nil {
		p.record(OutOfStock{Line: l})
		p.backorder(Backorder{Line: l, Seq: seq, Since: now})
		return "", ErrOutOfStock
	}
	a := Allocation{Line: l, BatchRef: b.Ref, Seq: seq}
	p.hold(a)
	p.record(Allocated{Allocation: a})
	return b.Ref, nil
}

// AllocateFromCart allocates a line, taking the cart's reservation of this
// SKU when it covers the line (the reserved batch then holds the order line)
// and releasing the reservation otherwise before allocating as usual.
func (p *Product) AllocateFromCart(l Line, cartID string, now time.Time) (string, error) {
	if err := p.checkLine(l); err != nil {
		return "", err
	}
	if i := p.allocationOf(l.OrderID); i >= 0 {
		return p.Allocations[i].BatchRef, nil
	}
	if p.backorderOf(l.OrderID) >= 0 {
		return "", ErrOutOfStock // waiting already; the cart keeps its hold
	}
	i := p.holdOf(cartID)
	if cartID != "" && i >= 0 && !p.Allocations[i].Until.After(now) {
		// Its time is up, though the expiry pass has not come to it yet:
		// it holds nothing any more.
		p.Release(cartID, "expired", now)
		i = -1
	}
	if cartID == "" || i < 0 {
		return p.Allocate(l, now)
	}
	hold := p.unhold(i)
	p.record(ReservationReleased{Allocation: hold, Reason: "converted to order " + l.OrderID})
	if hold.Qty < l.Qty {
		// The reservation does not cover the line: allocate it as any
		// other (the released stock counts), and give what it leaves to
		// the waiting lines.
		ref, err := p.Allocate(l, now)
		p.fillBackorders(now)
		return ref, err
	}
	a := Allocation{Line: l, BatchRef: hold.BatchRef, Seq: p.seq()}
	p.hold(a)
	p.record(Allocated{Allocation: a})
	p.fillBackorders(now)
	return a.BatchRef, nil
}

// Reallocate places again what a quantity change took out of a batch
// (the Deallocated lines and ReservationDisplaced holds it recorded),
// together with the waiting lines: oldest first (lowest Seq; each keeps
// its own), each in the preferred batch with room. A line that fits
// nowhere waits, in its place; a hold that fits nowhere is released.
// What is already placed again (a repeated message) is skipped.
func (p *Product) Reallocate(taken []Allocation, now time.Time) error {
	p.needAllWaiting("reallocation")
	type candidate struct {
		a       Allocation
		waiting bool // one of p.Backorders
	}
	var queue []candidate
	for _, a := range taken {
		if a.Reservation() {
			if p.holdOf(a.CartID) >= 0 {
				continue
			}
		} else {
			if err := p.checkLine(a.Line); err != nil {
				return err
			}
			if p.allocationOf(a.OrderID) >= 0 || p.backorderOf(a.OrderID) >= 0 {
				continue
			}
		}
		if a.Seq <= 0 || a.Seq >= p.NextSeq {
			a.Seq = p.seq()
		}
		queue = append(queue, candidate{a: a})
	}
	for _, bo := range p.Backorders {
		queue = append(queue, candidate{a: Allocation{Line: bo.Line, Seq: bo.Seq}, waiting: true})
	}
	slices.SortStableFunc(queue, func(x, y candidate) int { return cmp.Compare(x.a.Seq, y.a.Seq) })
	for _, c := range queue {
		a := c.a
		b := p.choose(a.Qty)
		switch {
		case c.waiting && b != nil:
			p.unbackorder(p.backorderOf(a.OrderID))
			a.BatchRef = b.Ref
			p.hold(a)
			p.record(Allocated{Allocation: a, FromBackorder: true})
		case c.waiting:
		case a.Reservation() && b != nil:
			from := a.BatchRef
			a.BatchRef = b.Ref
			p.hold(a)
			p.record(ReservationMoved{Allocation: a, From: from})
		case a.Reservation():
			p.record(ReservationReleased{Allocation: a, Reason: "stock reduced"})
		case b != nil:
			a.BatchRef = b.Ref
			p.hold(a)
			p.record(Allocated{Allocation: a, Reallocation: true})
		default:
			p.record(OutOfStock{Line: a.Line})
			p.backorder(Backorder{Line: a.Line, Seq: a.Seq, Since: now})
		}
	}
	return nil
}

// AddBatch adds stock and allocates waiting lines to it, oldest first.
func (p *Product) AddBatch(b Batch, now time.Time) error {
	if b.SKU != p.SKU {
		return fmt.Errorf("%w: batch of %s added to product %s", ErrInvalid, b.SKU, p.SKU)
	}
	if p.batch(b.Ref) != nil {
		return fmt.Errorf("batch %s: %w", b.Ref, ErrDuplicateBatch)
	}
	b.Allocated, b.Reserved = 0, 0
	p.Batches = append(p.Batches, b)
	p.record(BatchAdded{Batch: b})
	p.fillBackorders(now)
	return nil
}

// ChangeBatchQuantity sets a batch's quantity (damage, a count
// correction). When the batch no longer holds what is allocated to it,
// lines and cart holds are taken out, most recent first, until it fits:
// lines recorded as Deallocated, holds as ReservationDisplaced, for the
// application to place again with Reallocate (oldest first, with the
// waiting lines). When nothing had to go, waiting lines are allocated to
// what the batch has free.
func (p *Product) ChangeBatchQuantity(ref string, qty int, now time.Time) error {
	b := p.batch(ref)
	if b == nil {
		return fmt.Errorf("batch %s: %w", ref, ErrUnknownBatch)
	}
	if qty < 0 || qty > MaxBatchQty {
		return fmt.Errorf("%w: qty %d: must be between 0 and %d", ErrInvalid, qty, MaxBatchQty)
	}
	if b.Qty == qty {
		return nil
	}
	b.Qty = qty
	p.record(BatchQuantityChanged{Ref: ref, Qty: qty})
	taken := false
	for p.batch(ref).Available() < 0 {
		if !p.takeOutMostRecent(ref) {
			break // lines the repository did not load: cannot happen with Scope{Batch: ref}
		}
		taken = true
	}
	if !taken {
		p.fillBackorders(now) // else Reallocate gives the room out, oldest first
	}
	return nil
}

// takeOutMostRecent takes the batch's most recent line or hold out; it
// reports false when no loaded one is left in the batch.
func (p *Product) takeOutMostRecent(ref string) bool {
	last := -1
	for i, a := range p.Allocations {
		if a.BatchRef == ref && (last < 0 || a.Seq > p.Allocations[last].Seq) {
			last = i
		}
	}
	if last < 0 {
		return false
	}
	a := p.unhold(last)
	if a.Reservation() {
		p.record(ReservationDisplaced{Allocation: a})
		return true
	}
	p.record(Deallocated{Allocation: a, Reason: "batch quantity changed"})
	return true
}

// backorder adds a waiting line in its place: oldest (lowest Seq) first.
func (p *Product) backorder(bo Backorder) {
	i, _ := slices.BinarySearchFunc(p.Backorders, bo.Seq, func(b Backorder, seq int64) int { return cmp.Compare(b.Seq, seq) })
	p.Backorders = slices.Insert(p.Backorders, i, bo)
	p.Waiting += bo.Qty
	p.record(Backordered{Backorder: bo})
}

// fillBackorders allocates waiting lines, oldest first, wherever they fit
// (a line too large for the stock left does not hold up smaller ones
// behind it). Each keeps its age. p.Backorders is in age order already:
// the repository loads it so, and backorder inserts in place.
func (p *Product) fillBackorders(now time.Time) {
	p.needAllWaiting("giving stock to waiting lines")
	for i := 0; i < len(p.Backorders); {
		bo := p.Backorders[i]
		b := p.choose(bo.Qty)
		if b == nil {
			i++
			continue
		}
		p.unbackorder(i)
		a := Allocation{Line: bo.Line, BatchRef: b.Ref, Seq: bo.Seq}
		p.hold(a)
		p.record(Allocated{Allocation: a, FromBackorder: true})
	}
}

// Cancel releases everything an order holds or waits for, and gives the
// freed stock to waiting lines.
func (p *Product) Cancel(orderID string, now time.Time) { p.Withdraw(orderID, "order cancelled", now) }

// Withdraw releases, for reason, everything an order holds or waits for,
// and gives the freed stock to waiting lines.
func (p *Product) Withdraw(orderID, reason string, now time.Time) {
	if i := p.allocationOf(orderID); i >= 0 {
		a := p.unhold(i)
		p.record(Deallocated{Allocation: a, Reason: reason, Final: true})
	}
	if i := p.backorderOf(orderID); i >= 0 {
		p.record(BackorderDropped{Backorder: p.unbackorder(i)})
	}
	p.fillBackorders(now)
}
