// Package domain is the ordering context's model: orders, their lines and
// the status machine that SCM progress drives. It is pure: no I/O.
package domain

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Status of an order.
type Status string

// Statuses, in the order fulfilment moves through them.
const (
	Placed      Status = "PLACED"
	Allocated   Status = "ALLOCATED"
	Backordered Status = "BACKORDERED"
	Cooking     Status = "COOKING"
	PickedUp    Status = "PICKED_UP"
	Packed      Status = "PACKED"
	Shipped     Status = "SHIPPED"
	Delivered   Status = "DELIVERED"
	Cancelled   Status = "CANCELLED"
)

// rank orders statuses along the flow; a status only moves forward.
// BACKORDERED ranks below ALLOCATED so that stock arriving later can still
// allocate a backordered order.
var rank = map[Status]int{
	Placed: 0, Backordered: 1, Allocated: 2, Cooking: 3, PickedUp: 4,
	Packed: 5, Shipped: 6, Delivered: 7, Cancelled: 8,
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := rank[s]; return ok }

// Final reports whether no further transition can happen.
func (s Status) Final() bool { return s == Delivered || s == Cancelled }

// CanMoveTo reports whether an order in s may move to next. Late or repeated
// progress (next at or behind s) is not a move.
func (s Status) CanMoveTo(next Status) bool {
	if s.Final() || !next.Valid() {
		return false
	}
	return rank[next] > rank[s]
}

// Line is one ordered item. BatchRef is set once the SCM allocated it.
type Line struct {
	SKU       string `json:"sku"`
	Qty       int    `json:"qty"`
	UnitPrice int64  `json:"unitPrice"`
	BatchRef  string `json:"batchRef,omitempty"`
}

// Address is the delivery address.
type Address struct {
	Name     string `json:"name"`
	Line1    string `json:"line1"`
	Line2    string `json:"line2,omitempty"`
	Postcode string `json:"postcode"`
	Phone    string `json:"phone,omitempty"`
}

// Transition is one entry of an order's status history.
type Transition struct {
	Status Status    `json:"status"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Order is the ordering context's aggregate.
type Order struct {
	ID              string       `json:"id"`
	CustomerID      string       `json:"customerId"`
	Status          Status       `json:"status"`
	Lines           []Line       `json:"lines"`
	TotalAmount     int64        `json:"totalAmount"`
	DeliveryAddress Address      `json:"deliveryAddress"`
	CartID          string       `json:"cartId,omitempty"`
	DeliverySlot    string       `json:"deliverySlot,omitempty"`
	PlacedAt        time.Time    `json:"placedAt"`
	UpdatedAt       time.Time    `json:"updatedAt"`
	History         []Transition `json:"history"`
	// HistoryOmitted counts the entries of History dropped to keep it
	// within MaxHistory: the oldest moves between ALLOCATED and BACKORDERED.
	HistoryOmitted int `json:"historyOmitted,omitempty"`
	// AllocationRevision is the SCM's revision of the allocation state last
	// applied; an older or repeated one is ignored.
	AllocationRevision int64 `json:"allocationRevision,omitempty"`
	// Carrier and TrackingNumber are set once the SCM hands the order to a
	// carrier.
	Carrier        string `json:"carrier,omitempty"`
	TrackingNumber string `json:"trackingNumber,omitempty"`
	// Delays lists the fulfilment deadlines the order missed.
	Delays []Delay `json:"delays,omitempty"`
	// Cancellation is set when the order was cancelled.
	Cancellation *Cancellation `json:"cancellation,omitempty"`
	// CancellationRejected is set when the SCM could not stop the order
	// after it was cancelled here (it had shipped already). The status
	// stays CANCELLED: it never moves back.
	CancellationRejected *CancellationRejection `json:"cancellationRejected,omitempty"`
}

// Limits on an order.
const (
	MaxLines     = 100
	MaxLineQty   = 10_000
	MaxUnitPrice = 100_000_000
	// MaxHistory bounds an order's status history. Only the allocation
	// stage repeats (stock changes may move an order between ALLOCATED and
	// BACKORDERED any number of times); past the bound its oldest moves
	// give way, so the PLACED entry and the latest moves stay.
	MaxHistory = 50
)

var (
	skuRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	idRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$`)
)

// ValidSKU reports whether s can be a SKU.
func ValidSKU(s string) bool { return skuRe.MatchString(s) }

// ValidID reports whether s can be an external id (customer id).
func ValidID(s string) bool { return idRe.MatchString(s) }

// ErrTransition reports a status change the machine does not allow.
var ErrTransition = errors.New("status transition not allowed")

// MoveTo records a transition to next at time at.
func (o *Order) MoveTo(next Status, at time.Time, reason string) error {
	if !o.Status.CanMoveTo(next) {
		return fmt.Errorf("order %s %s → %s: %w", o.ID, o.Status, next, ErrTransition)
	}
	o.Status, o.UpdatedAt = next, at
	o.record(Transition{Status: next, At: at, Reason: reason})
	return nil
}

// record appends t to the history, dropping the oldest allocation move
// when the history is full.
func (o *Order) record(t Transition) {
	if len(o.History) >= MaxHistory {
		for i := 1; i < len(o.History); i++ {
			if s := o.History[i].Status; s == Allocated || s == Backordered {
				o.History = append(o.History[:i], o.History[i+1:]...)
				o.HistoryOmitted++
				break
			}
		}
	}
	o.History = append(o.History, t)
}

// allocating reports whether the order is still in the allocation stage,
// where stock changes may move it between ALLOCATED and BACKORDERED.
func (s Status) allocating() bool { return s == Placed || s == Allocated || s == Backordered }

// ApplyAllocation applies the SCM's allocation state (ALLOCATED or
// BACKORDERED) at revision rev. While the order is being allocated, a newer
// revision may move it either way (a batch's quantity dropped, or stock
// arrived); a revision at or below the last applied one is late or repeated
// and changes nothing; once cooking has started, allocation news changes
// nothing. Revision 0 (unknown) only moves forward.
func (o *Order) ApplyAllocation(next Status, rev int64, at time.Time, reason string) bool {
	if next != Allocated && next != Backordered {
		return false
	}
	if rev == 0 {
		return o.MoveTo(next, at, reason) == nil
	}
	if rev <= o.AllocationRevision || !o.Status.allocating() {
		return false
	}
	o.AllocationRevision = rev
	if o.Status == next {
		return false
	}
	o.Status, o.UpdatedAt = next, at
	o.record(Transition{Status: next, At: at, Reason: reason})
	return true
}

// AssignBatch records the batch holding a line's SKU.
func (o *Order) AssignBatch(sku, batchRef string) {
	for i := range o.Lines {
		if o.Lines[i].SKU == sku {
			o.Lines[i].BatchRef = batchRef
		}
	}
}
