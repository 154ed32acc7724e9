package app

import (
	"context"
	"errors"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/process/domain"
)

// CancelFulfilmentOrder handles the command to cancel an order. Before the
// parcel ships, the order is cancelled: FulfilmentCancelled on the bus
// (inventory releases its stock, the kitchen cancels open tasks, the
// warehouse and delivery cancel what has not shipped), then
// FulfilmentCancelled leaves the service with the stage the order had
// reached. After shipping it is refused (FulfilmentCancelRejected) and
// nothing changes. An order cancelled already is left alone; one the SCM
// has not seen yet is recorded as cancelled (stage NOT_RECEIVED), so that
// it is not fulfilled when it comes.
func (a *App) CancelFulfilmentOrder(ctx context.Context, tx event.Tx, env event.Envelope,
	cmd contract.CancelFulfilmentOrder) error {
	if cmd.FulfilmentOrderID == "" {
		return event.Permanent(messages.Invalid("cancel: fulfilmentOrderId is required"))
	}
	id, origin, now := cmd.FulfilmentOrderID, messages.Origin{Cause: &env}, a.now()
	p, found, err := a.repo.Load(ctx, tx, id)
	if err != nil {
		return err
	}
	if !found {
		p.Correlation = origin.Correlation()
	}
	from, changed, err := p.Cancel(now)
	if errors.Is(err, domain.ErrTooLate) {
		return a.append(ctx, tx, origin, contract.TypeFulfilmentCancelRejected, id,
			contract.FulfilmentCancelRejected{FulfilmentOrderID: id, Stage: from, Reason: err.Error()})
	}
	if err != nil || !changed {
		return err
	}
	if err := a.repo.Save(ctx, tx, p); err != nil {
		return err
	}
	if err := a.repo.ClearDeadlines(ctx, tx, id, nil, true); err != nil {
		return err
	}
	if err := bus.Publish(ctx, a.bus, tx, messages.FulfilmentCancelled{OrderID: id, Stage: from, Reason: cmd.Reason,
		At: now, Origin: origin}); err != nil {
		return err
	}
	return a.append(ctx, tx, origin, contract.TypeFulfilmentCancelled, id,
		contract.FulfilmentCancelled{FulfilmentOrderID: id, Stage: from, Reason: cmd.Reason, At: now})
}

func (a *App) append(ctx context.Context, tx event.Tx, o messages.Origin, typ, orderID string, data any) error {
	env, err := messages.NewEvent(ctx, o, typ, orderID, data)
	if err != nil {
		return err
	}
	return tx.Append(ctx, env)
}
