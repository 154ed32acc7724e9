// Package app holds the kitchen's use cases. When a fulfilment order is
// first allocated the kitchen plans a cook task per item that needs
// cooking; cooks start and finish tasks; when every task of an order is
// done the order is cooked. The kitchen learns of orders on the in-process
// bus and states what it does there too, in the same transaction; what
// other services need to know goes to the outbox.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/kitchen/adapters"
	"github.com/banchan/banchan/internal/scm/kitchen/domain"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/txn"
)

// App is the kitchen application.
type App struct {
	store event.Store
	bus   *bus.Bus
	tasks adapters.Tasks
	now   func() time.Time
	log   *slog.Logger
}

// New builds the kitchen and subscribes its bus handlers.
func New(store event.Store, b *bus.Bus, now func() time.Time, log *slog.Logger) *App {
	a := &App{store: store, bus: b, now: now, log: log}
	bus.Subscribe(b, a.planTasks)
	bus.Subscribe(b, a.cancelOrder)
	return a
}

// Start begins cooking a pending task and tells that cooking started.
func (a *App) Start(ctx context.Context, id string) (domain.Task, error) {
	return a.step(ctx, id, func(ctx context.Context, tx event.Tx, t *domain.Task) error {
		if err := t.Start(a.now()); err != nil {
			return err
		}
		return a.started(ctx, tx, *t)
	})
}

// Done finishes a task (starting it first if it was pending). When it was
// the order's last task, the order is cooked.
func (a *App) Done(ctx context.Context, id string) (domain.Task, error) {
	return a.step(ctx, id, func(ctx context.Context, tx event.Tx, t *domain.Task) error {
		started, err := t.Finish(a.now())
		if err != nil {
			return err
		}
		if started {
			return a.started(ctx, tx, *t)
		}
		return nil
	})
}

// step loads a task, applies fn, saves it and checks whether its order is
// cooked, in one transaction.
func (a *App) step(ctx context.Context, id string, fn func(context.Context, event.Tx, *domain.Task) error) (domain.Task, error) {
	var out domain.Task
	err := txn.Run(ctx, a.store, func(ctx context.Context, tx event.Tx) error {
		t, err := a.tasks.Get(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(ctx, tx, &t); err != nil {
			return err
		}
		if err := a.tasks.Save(ctx, tx, &t); err != nil {
			return err
		}
		out = t
		return a.checkCooked(ctx, tx, t.OrderID, messages.Origin{CorrelationID: t.Correlation})
	})
	return out, err
}

// started tells that a task's cooking started: CookingStarted leaves the
// service, and the order reaches COOKING on the bus.
func (a *App) started(ctx context.Context, tx event.Tx, t domain.Task) error {
	o := messages.Origin{CorrelationID: t.Correlation}
	env, err := messages.NewEvent(ctx, o, contract.TypeCookingStarted, t.OrderID, contract.CookingStarted{
		FulfilmentOrderID: t.OrderID, TaskID: t.ID, ItemCode: t.ItemCode, At: t.StartedAt})
	if err != nil {
		return err
	}
	if err := tx.Append(ctx, env); err != nil {
		return err
	}
	return bus.Publish(ctx, a.bus, tx, messages.Progressed{OrderID: t.OrderID, Stage: messages.StageCooking,
		At: t.StartedAt, Origin: o})
}

// checkCooked marks the order cooked once all its tasks are done, and
// tells it: FulfilmentCooked leaves the service, COOKED goes on the bus.
func (a *App) checkCooked(ctx context.Context, tx event.Tx, orderID string, o messages.Origin) error {
	tasks, err := a.tasks.List(ctx, tx, adapters.Filter{OrderID: orderID})
	if err != nil || !domain.AllDone(tasks) {
		return err
	}
	moved, err := a.tasks.MoveOrder(ctx, tx, orderID, adapters.OrderOpen, adapters.OrderCooked)
	if err != nil || !moved {
		return err
	}
	now := a.now()
	env, err := messages.NewEvent(ctx, o, contract.TypeFulfilmentCooked, orderID,
		contract.FulfilmentCooked{FulfilmentOrderID: orderID, At: now})
	if err != nil {
		return err
	}
	if err := tx.Append(ctx, env); err != nil {
		return err
	}
	return bus.Publish(ctx, a.bus, tx, messages.Progressed{OrderID: orderID, Stage: messages.StageCooked, At: now, Origin: o})
}

// SetItem configures whether an item is cooked to order. Orders already
// planned keep their tasks.
func (a *App) SetItem(ctx context.Context, code string, cook bool) (domain.Item, error) {
	it := domain.Item{ItemCode: code, Cook: cook, Configured: true}
	err := txn.Run(ctx, a.store, func(ctx context.Context, tx event.Tx) error {
		return a.tasks.SetItem(ctx, tx, it, a.now())
	})
	return it, err
}

// Item returns an item's setting (the default for an unconfigured one).
func (a *App) Item(ctx context.Context, code string) (domain.Item, error) {
	return a.tasks.Item(ctx, a.store.Read(), code)
}

// Task returns one task, or messages.ErrNotFound.
func (a *App) Task(ctx context.Context, id string) (domain.Task, error) {
	return a.tasks.Get(ctx, a.store.Read(), id)
}

// Tasks lists tasks, oldest first.
func (a *App) Tasks(ctx context.Context, f adapters.Filter) ([]domain.Task, error) {
	return a.tasks.List(ctx, a.store.Read(), f)
}
