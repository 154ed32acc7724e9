package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/adapters"
	"github.com/banchan/banchan/internal/ordering/domain"
	adapter "github.com/banchan/banchan/internal/scmadapter/contract"
)

// OrderAllocated moves the order to ALLOCATED and records each line's batch.
func (a *App) OrderAllocated(ctx context.Context, tx event.Tx, env event.Envelope, e adapter.OrderAllocated) error {
	return a.allocation(ctx, tx, env, e.OrderID, domain.Allocated, e.Revision, "", e.Lines)
}

// OrderBackordered moves the order to BACKORDERED.
func (a *App) OrderBackordered(ctx context.Context, tx event.Tx, env event.Envelope, e adapter.OrderBackordered) error {
	waiting := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		waiting[i] = fmt.Sprintf("%s ×%d", m.SKU, m.Qty)
	}
	reason := ""
	if len(waiting) > 0 {
		reason = strings.Join(waiting, ", ") + " waiting for stock"
	}
	return a.allocation(ctx, tx, env, e.OrderID, domain.Backordered, e.Revision, reason, e.Lines)
}

// allocation applies the SCM's allocation news. Late or repeated news
// changes nothing (see Order.ApplyAllocation).
func (a *App) allocation(ctx context.Context, tx event.Tx, env event.Envelope, id string, next domain.Status,
	rev int64, reason string, lines []adapter.LineAllocation) error {
	return a.updateOrder(ctx, tx, id, func(o *domain.Order) error {
		if rev != 0 && rev <= o.AllocationRevision {
			a.log.Info("late allocation news ignored", "order", id, "revision", rev, "applied", o.AllocationRevision)
			return nil
		}
		for i := range o.Lines {
			o.Lines[i].BatchRef = ""
		}
		for _, l := range lines {
			o.AssignBatch(l.SKU, l.BatchRef)
		}
		if !o.ApplyAllocation(next, rev, a.now(), reason) {
			a.log.Info("allocation news changes no status", "order", id, "status", o.Status, "event", env.Type)
		}
		return nil
	})
}

// updateOrder changes an order in the handler's transaction. The SCM only
// reports on orders it learnt of from an OrderPlaced, committed with its
// order before it was published: an unknown order will never appear, so
// retrying cannot help (permanent: a dead letter for an operator).
func (a *App) updateOrder(ctx context.Context, tx event.Tx, id string, fn func(*domain.Order) error) error {
	err := a.orders.Update(ctx, tx, id, fn)
	if errors.Is(err, adapters.ErrNotFound) {
		return event.Permanent(err)
	}
	return err
}
