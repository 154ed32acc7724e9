package app

import (
	"context"
	"fmt"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/domain"
	adapter "github.com/banchan/banchan/internal/scmadapter/contract"
)

// OrderProgressed moves the order forward to the stage the SCM reached and
// records the carrier and tracking number when given. A stage at or behind
// the order's status (late or repeated news), or any stage of a cancelled
// or delivered order, moves nothing.
func (a *App) OrderProgressed(ctx context.Context, tx event.Tx, env event.Envelope, e adapter.OrderProgressed) error {
	next := domain.Status(e.Status)
	if !next.FulfilmentStage() {
		return event.Permanent(fmt.Errorf("order %s: progress to %q: not a fulfilment stage", e.OrderID, e.Status))
	}
	at := e.At
	if at.IsZero() {
		at = a.now()
	}
	return a.updateOrder(ctx, tx, e.OrderID, func(o *domain.Order) error {
		if moved, _ := o.Progress(next, at, e.Carrier, e.TrackingNumber); !moved {
			a.log.Info("progress moves no status", "order", o.ID, "status", o.Status, "stage", next, "event", env.ID)
		}
		return nil
	})
}

// OrderFulfilmentCancelled records on the cancelled order that the SCM
// stopped its fulfilment. For an order that is not cancelled the news
// contradicts the order's state: it goes to the dead letters for a person
// to look at.
func (a *App) OrderFulfilmentCancelled(ctx context.Context, tx event.Tx, env event.Envelope, e adapter.OrderFulfilmentCancelled) error {
	at := e.At
	if at.IsZero() {
		at = a.now()
	}
	return a.updateOrder(ctx, tx, e.OrderID, func(o *domain.Order) error {
		_, err := o.FulfilmentStopped(e.Stage, at)
		return event.Permanent(err)
	})
}

// OrderCancellationRejected records that the SCM could not stop the order
// (it had shipped before it saw the cancellation). The status stays where
// it is; the rejection is shown on the order.
func (a *App) OrderCancellationRejected(ctx context.Context, tx event.Tx, env event.Envelope, e adapter.OrderCancellationRejected) error {
	return a.updateOrder(ctx, tx, e.OrderID, func(o *domain.Order) error {
		if o.RejectCancellation(e.Stage, e.Reason, a.now()) {
			a.log.Warn("SCM rejected the cancellation", "order", o.ID, "status", o.Status, "stage", e.Stage,
				"reason", e.Reason)
		}
		return nil
	})
}

// OrderDelayed records a missed fulfilment deadline on the order.
func (a *App) OrderDelayed(ctx context.Context, tx event.Tx, env event.Envelope, e adapter.OrderDelayed) error {
	return a.updateOrder(ctx, tx, e.OrderID, func(o *domain.Order) error {
		o.RecordDelay(e.Stage, e.Deadline, a.now())
		return nil
	})
}
