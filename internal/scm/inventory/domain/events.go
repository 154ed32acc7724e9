package domain

// Event is something that happened to a product; the application persists
// its effect and publishes what other services need to know.
type Event interface{ productEvent() }

// BatchAdded: new stock, in the warehouse or on its way.
type BatchAdded struct{ Batch Batch }

// BatchQuantityChanged: a batch's quantity was corrected.
type BatchQuantityChanged struct {
	Ref string
	Qty int
}

// Allocated: a line was allocated to a batch (first time, from the
// backorders, or after a quantity change took it out of its batch).
type Allocated struct {
	Allocation    Allocation
	Reallocation  bool
	FromBackorder bool
}

// Deallocated: a line was taken out of its batch. Unless Final (the order
// was cancelled) it is to be reallocated.
type Deallocated struct {
	Allocation Allocation
	Reason     string
	Final      bool
}

// OutOfStock: no batch could take a line.
type OutOfStock struct{ Line Line }

// Backordered: a line waits for stock.
type Backordered struct{ Backorder Backorder }

// BackorderDropped: a waiting line was withdrawn (its order was cancelled).
type BackorderDropped struct{ Backorder Backorder }

// Reserved: a cart holds stock until Allocation.Until.
type Reserved struct{ Allocation Allocation }

// ReservationDisplaced: a batch shrank under a cart's hold, which was taken
// out to be placed again (ReservationMoved, or ReservationReleased when no
// batch has room).
type ReservationDisplaced struct{ Allocation Allocation }

// ReservationMoved: a displaced hold found room in another batch
// (Allocation.BatchRef; From is the batch it left); its quantity and
// expiry are unchanged.
type ReservationMoved struct {
	Allocation Allocation
	From       string
}

// ReservationReleased: a cart's hold ended (released, expired, replaced,
// converted into an order line, or squeezed out by a quantity change).
type ReservationReleased struct {
	Allocation Allocation
	Reason     string
}

func (BatchAdded) productEvent()           {}
func (BatchQuantityChanged) productEvent() {}
func (Allocated) productEvent()            {}
func (Deallocated) productEvent()          {}
func (OutOfStock) productEvent()           {}
func (Backordered) productEvent()          {}
func (BackorderDropped) productEvent()     {}
func (Reserved) productEvent()             {}
func (ReservationReleased) productEvent()  {}
func (ReservationMoved) productEvent()     {}
func (ReservationDisplaced) productEvent() {}
