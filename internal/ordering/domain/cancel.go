package domain

import (
	"errors"
	"fmt"
	"time"
)

// MaxReasonLen bounds a cancellation reason.
const MaxReasonLen = 500

// Cancellation records why and when an order was cancelled, and whether
// the SCM has confirmed that it stopped the order's fulfilment.
type Cancellation struct {
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
	// FulfilmentStoppedAt is when the SCM stopped fulfilment, at stage
	// FulfilmentStage (nil until it confirms).
	FulfilmentStoppedAt *time.Time `json:"fulfilmentStoppedAt,omitempty"`
	FulfilmentStage     string     `json:"fulfilmentStage,omitempty"`
}

// CancellationRejection records that the SCM could not stop the order.
type CancellationRejection struct {
	Stage  string    `json:"stage"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// TooLateError refuses the cancellation of an order that has shipped.
type TooLateError struct {
	OrderID string
	Status  Status
}

func (e TooLateError) Error() string {
	return fmt.Sprintf("order %s is %s: too late to cancel", e.OrderID, e.Status)
}

// ErrNotCancelled reports news that only makes sense for a cancelled order.
var ErrNotCancelled = errors.New("order is not cancelled")

// Cancellable reports whether an order in s may still be cancelled: any
// status ranked below SHIPPED.
func (s Status) Cancellable() bool { return s.Valid() && rank[s] < rank[Shipped] }

// Cancel cancels the order. Cancelling a cancelled order changes nothing
// (changed is false); an order that has shipped returns a TooLateError.
func (o *Order) Cancel(reason string, at time.Time) (changed bool, err error) {
	if o.Status == Cancelled {
		return false, nil
	}
	if !o.Status.Cancellable() {
		return false, TooLateError{OrderID: o.ID, Status: o.Status}
	}
	if err := o.MoveTo(Cancelled, at, reason); err != nil {
		return false, err
	}
	o.Cancellation = &Cancellation{Reason: reason, At: at}
	return true, nil
}

// FulfilmentStopped records the SCM's confirmation that it stopped the
// order at stage. It reports ErrNotCancelled for an order that is not
// cancelled (the SCM only stops cancelled orders). A repeat changes nothing.
func (o *Order) FulfilmentStopped(stage string, at time.Time) (changed bool, err error) {
	if o.Status != Cancelled {
		return false, fmt.Errorf("order %s is %s: fulfilment stopped: %w", o.ID, o.Status, ErrNotCancelled)
	}
	if o.Cancellation == nil {
		o.Cancellation = &Cancellation{At: o.UpdatedAt}
	}
	if o.Cancellation.FulfilmentStoppedAt != nil {
		return false, nil
	}
	o.Cancellation.FulfilmentStoppedAt, o.Cancellation.FulfilmentStage = &at, stage
	o.touch(at)
	return true, nil
}

// RejectCancellation records that the SCM could not stop the order (it
// had shipped). The status does not move back; the rejection stays visible
// on the order. Only the first rejection is kept.
func (o *Order) RejectCancellation(stage, reason string, at time.Time) (changed bool) {
	if o.CancellationRejected != nil {
		return false
	}
	o.CancellationRejected = &CancellationRejection{Stage: stage, Reason: reason, At: at}
	o.touch(at)
	return true
}
