package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/adapters"
	"github.com/banchan/banchan/internal/ordering/domain"
	adapter "github.com/banchan/banchan/internal/scmadapter/contract"
)

// OrderAllocated moves the order to ALLOCATED and records each line's batch.
func (a *App) OrderAllocated(ctx context.Context, tx event.Tx, env event.Envelope, e adapter.OrderAllocated) error {
	return a.progress(ctx, tx, env, e.OrderID, domain.Allocated, "", e.Lines)
}

// OrderBackordered moves the order to BACKORDERED.
func (a *App) OrderBackordered(ctx context.Context, tx event.Tx, env event.Envelope, e adapter.OrderBackordered) error {
	reason := ""
	for _, m := range e.Missing {
		reason += fmt.Sprintf("%s ×%d waits for stock; ", m.SKU, m.Qty)
	}
	return a.progress(ctx, tx, env, e.OrderID, domain.Backordered, reason, e.Lines)
}

// progress applies a status event. Late or repeated events (the order is
// already at or past next) change nothing; an unknown order can never be
// fixed by retrying, so it is permanent.
func (a *App) progress(ctx context.Context, tx event.Tx, env event.Envelope, id string, next domain.Status,
	reason string, lines []adapter.LineAllocation) error {
	err := a.orders.Update(ctx, tx, id, func(o *domain.Order) error {
		for _, l := range lines {
			o.AssignBatch(l.SKU, l.BatchRef)
		}
		if !o.Status.CanMoveTo(next) {
			a.log.Info("status event ignored", "order", id, "status", o.Status, "event", env.Type, "id", env.ID)
			return nil
		}
		return o.MoveTo(next, a.now(), reason)
	})
	if errors.Is(err, adapters.ErrNotFound) {
		return event.Permanent(err)
	}
	return err
}
