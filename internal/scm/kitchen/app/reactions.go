package app

import (
	"context"
	"fmt"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/kitchen/adapters"
	"github.com/banchan/banchan/internal/scm/kitchen/domain"
	"github.com/banchan/banchan/internal/scm/messages"
)

// planTasks plans the cook tasks of an order allocated for the first time:
// one PENDING task per item that needs cooking, and nothing told yet (the
// order stays ALLOCATED until a cook starts). An order with nothing to
// cook is cooked at once (COOKED on the bus, no outward event). A later
// allocation of the same order (after a backorder) plans nothing.
func (a *App) planTasks(ctx context.Context, tx event.Tx, m messages.FulfilmentAllocated) error {
	if known, err := a.tasks.OrderStatus(ctx, tx, m.OrderID); err != nil || known != "" {
		return err
	}
	now := a.now()
	cook := map[string]bool{}
	for _, it := range m.Items {
		setting, err := a.tasks.Item(ctx, tx, it.ItemCode)
		if err != nil {
			return err
		}
		cook[it.ItemCode] = setting.Cook
	}
	tasks := domain.Plan(m.OrderID, m.Items, func(code string) bool { return cook[code] },
		func() string { return "task-" + event.NewID() }, now)
	status := adapters.OrderOpen
	if len(tasks) == 0 {
		status = adapters.OrderCooked
	}
	order := adapters.Order{ID: m.OrderID, Status: status, Correlation: m.Origin.Correlation()}
	added, err := a.tasks.AddOrder(ctx, tx, order, now)
	if err != nil || !added {
		return err
	}
	for _, t := range tasks {
		t.Correlation = order.Correlation
		if err := a.tasks.Insert(ctx, tx, t); err != nil {
			return err
		}
	}
	if len(tasks) > 0 {
		return nil
	}
	return bus.Publish(ctx, a.bus, tx, messages.Progressed{OrderID: m.OrderID, Stage: messages.StageCooked,
		At: now, Origin: m.Origin})
}

// cancelOrder cancels an order's tasks not yet done, and records the
// cancellation so that the order, if its allocation comes later, gets no
// tasks.
func (a *App) cancelOrder(ctx context.Context, tx event.Tx, m messages.FulfilmentCancelled) error {
	now := a.now()
	added, err := a.tasks.AddOrder(ctx, tx, adapters.Order{ID: m.OrderID, Status: adapters.OrderCancelled,
		Correlation: m.Origin.Correlation()}, now)
	if err != nil || added {
		return err
	}
	for _, from := range []string{adapters.OrderOpen, adapters.OrderCooked} {
		if _, err := a.tasks.MoveOrder(ctx, tx, m.OrderID, from, adapters.OrderCancelled); err != nil {
			return err
		}
	}
	tasks, err := a.tasks.List(ctx, tx, adapters.Filter{OrderID: m.OrderID})
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if !t.Cancel(now) {
			continue
		}
		if err := a.tasks.Save(ctx, tx, &t); err != nil {
			return fmt.Errorf("cancel task %s: %w", t.ID, err)
		}
	}
	return nil
}
