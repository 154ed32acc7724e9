package app

import (
	"context"
	"time"

	"github.com/banchan/banchan/event"
	ordering "github.com/banchan/banchan/internal/ordering/contract"
	"github.com/banchan/banchan/internal/scm/contract"
	out "github.com/banchan/banchan/internal/scmadapter/contract"
)

// stageRank orders the fulfilment stages told to ordering: a stage is
// passed on once, and never after a later one.
var stageRank = map[string]int{
	out.StatusCooking: 1, out.StatusPickedUp: 2, out.StatusPacked: 3, out.StatusShipped: 4, out.StatusDelivered: 5,
}

// progress tells ordering that an order reached a stage, unless it was
// told that stage or a later one already.
func (a *App) progress(ctx context.Context, tx event.Tx, cause event.Envelope, p out.OrderProgressed) error {
	if p.OrderID == "" {
		return event.Permanent(errMissing(cause.Type + ".fulfilmentOrderId"))
	}
	moved, err := a.orders.Advance(ctx, tx, p.OrderID, stageRank[p.Status])
	if err != nil || !moved {
		return err
	}
	if p.At.IsZero() {
		p.At = cause.Time
	}
	return a.emit(ctx, tx, cause, out.TypeOrderProgressed, p.OrderID, p)
}

// CookingStarted: the order is being cooked.
func (a *App) CookingStarted(ctx context.Context, tx event.Tx, env event.Envelope, e contract.CookingStarted) error {
	return a.progress(ctx, tx, env, out.OrderProgressed{OrderID: e.FulfilmentOrderID, Status: out.StatusCooking, At: e.At})
}

// ShipmentPickedUp: the warehouse picked the order.
func (a *App) ShipmentPickedUp(ctx context.Context, tx event.Tx, env event.Envelope, e contract.ShipmentProgress) error {
	return a.progress(ctx, tx, env, out.OrderProgressed{OrderID: e.FulfilmentOrderID, Status: out.StatusPickedUp, At: e.At})
}

// ShipmentPacked: the warehouse packed the order.
func (a *App) ShipmentPacked(ctx context.Context, tx event.Tx, env event.Envelope, e contract.ShipmentProgress) error {
	return a.progress(ctx, tx, env, out.OrderProgressed{OrderID: e.FulfilmentOrderID, Status: out.StatusPacked, At: e.At})
}

// ShipmentShipped: a carrier has the parcel.
func (a *App) ShipmentShipped(ctx context.Context, tx event.Tx, env event.Envelope, e contract.ShipmentShipped) error {
	return a.progress(ctx, tx, env, out.OrderProgressed{OrderID: e.FulfilmentOrderID, Status: out.StatusShipped,
		At: e.At, Carrier: e.Carrier, TrackingNumber: e.TrackingNumber})
}

// ShipmentDelivered: the customer has the parcel.
func (a *App) ShipmentDelivered(ctx context.Context, tx event.Tx, env event.Envelope, e contract.ShipmentDelivered) error {
	return a.progress(ctx, tx, env, out.OrderProgressed{OrderID: e.FulfilmentOrderID, Status: out.StatusDelivered, At: e.At})
}

// FulfilmentCancelled tells ordering that the SCM undid the order's stages.
func (a *App) FulfilmentCancelled(ctx context.Context, tx event.Tx, env event.Envelope, e contract.FulfilmentCancelled) error {
	return a.emit(ctx, tx, env, out.TypeOrderFulfilmentCancelled, e.FulfilmentOrderID,
		out.OrderFulfilmentCancelled{OrderID: e.FulfilmentOrderID, Stage: e.Stage, At: orNow(e.At, env)})
}

// FulfilmentCancelRejected tells ordering that the SCM had shipped already.
func (a *App) FulfilmentCancelRejected(ctx context.Context, tx event.Tx, env event.Envelope, e contract.FulfilmentCancelRejected) error {
	return a.emit(ctx, tx, env, out.TypeOrderCancellationRejected, e.FulfilmentOrderID,
		out.OrderCancellationRejected{OrderID: e.FulfilmentOrderID, Stage: e.Stage, Reason: e.Reason})
}

// FulfilmentDelayed tells ordering that the order missed a deadline.
func (a *App) FulfilmentDelayed(ctx context.Context, tx event.Tx, env event.Envelope, e contract.FulfilmentDelayed) error {
	return a.emit(ctx, tx, env, out.TypeOrderDelayed, e.FulfilmentOrderID,
		out.OrderDelayed{OrderID: e.FulfilmentOrderID, Stage: e.Stage, Deadline: e.Deadline})
}

// OrderCancelled asks the SCM to stop the order, if it was sent there; a
// cancelled order that never reached the SCM (only gift cards) needs
// nothing, and one whose OrderPlaced comes later is not sent at all.
func (a *App) OrderCancelled(ctx context.Context, tx event.Tx, env event.Envelope, o ordering.OrderCancelled) error {
	if o.ID == "" {
		return event.Permanent(errMissing("OrderCancelled.id"))
	}
	forward, err := a.orders.Cancel(ctx, tx, o.ID)
	if err != nil || !forward {
		return err
	}
	cmd, err := event.New(contract.CommandTopic, contract.TypeCancelFulfilmentOrder, out.Source, o.ID,
		contract.CancelFulfilmentOrder{FulfilmentOrderID: o.ID, Reason: o.Reason})
	if err != nil {
		return err
	}
	cmd.Stream = "scmadapter/order-" + o.ID
	return tx.Append(ctx, cmd.CausedBy(env))
}

func orNow(t time.Time, env event.Envelope) time.Time {
	if t.IsZero() {
		return env.Time
	}
	return t
}
