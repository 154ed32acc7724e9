// Package app holds purchasing's use cases. Inventory tells every change
// of a SKU's stock on the bus (and answers for it when purchasing asks);
// purchasing raises a purchase order when lines are backordered or available stock falls
// below the SKU's reorder point: at most one OPEN order per SKU, grown
// when the shortage outgrows it. Receiving an order takes its stock in
// through inventory (on the bus, in the same transaction), which allocates
// the waiting lines, oldest first.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/purchasing/adapters"
	"github.com/banchan/banchan/internal/scm/purchasing/domain"
	"github.com/banchan/banchan/internal/scm/txn"
)

// App is the purchasing application.
type App struct {
	store event.Store
	bus   *bus.Bus
	repo  adapters.Purchasing
	now   func() time.Time
	log   *slog.Logger
}

// New builds purchasing and subscribes its bus handlers.
func New(store event.Store, b *bus.Bus, now func() time.Time, log *slog.Logger) *App {
	a := &App{store: store, bus: b, now: now, log: log}
	bus.Subscribe(b, a.stockChanged)
	return a
}

// SetReorderPoint sets a SKU's reorder point (Point 0: none) and checks
// the SKU's stock, as inventory tells it, against it at once.
func (a *App) SetReorderPoint(ctx context.Context, rp domain.ReorderPoint) (domain.ReorderPoint, error) {
	if ps := rp.Check(); len(ps) > 0 || !domain.ValidSKU(rp.SKU) {
		return rp, messages.Invalid("reorder point of %q: %v", rp.SKU, ps)
	}
	err := txn.Run(ctx, a.store, func(ctx context.Context, tx event.Tx) error {
		if err := a.repo.SetReorderPoint(ctx, tx, rp, a.now()); err != nil {
			return err
		}
		var l messages.Level
		if err := bus.Publish(ctx, a.bus, tx, messages.StockLevel{SKU: rp.SKU, Result: &l}); err != nil || !l.Known {
			return err
		}
		return a.check(ctx, tx, domain.Level{SKU: rp.SKU, Available: l.Available, Waiting: l.Waiting}, messages.Origin{})
	})
	return rp, err
}

// ReorderPoint returns a SKU's reorder point (Point 0 when none is set).
func (a *App) ReorderPoint(ctx context.Context, sku string) (domain.ReorderPoint, error) {
	rp, _, err := a.repo.ReorderPoint(ctx, a.store.Read(), sku)
	return rp, err
}

// Receive records that a purchase order's stock arrived (qty 0: what was
// ordered) and takes it in as a batch named after the order.
func (a *App) Receive(ctx context.Context, id string, qty int) (domain.PurchaseOrder, error) {
	var out domain.PurchaseOrder
	err := txn.Run(ctx, a.store, func(ctx context.Context, tx event.Tx) error {
		po, err := a.repo.Order(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := po.Receive(qty, a.now()); err != nil {
			return err
		}
		if err := a.repo.SaveOrder(ctx, tx, &po); err != nil {
			return err
		}
		out = po
		if err := a.append(ctx, tx, po, contract.TypePurchaseOrderReceived, contract.PurchaseOrderReceived{
			PurchaseOrderID: po.ID, ItemCode: po.SKU, Quantity: po.ReceivedQty, BatchRef: po.BatchRef}, messages.Origin{}); err != nil {
			return err
		}
		var batch messages.Batch
		return bus.Publish(ctx, a.bus, tx, messages.ReceiveStock{Ref: po.BatchRef, SKU: po.SKU, Qty: po.ReceivedQty,
			Result: &batch})
	})
	return out, messages.AsRefusal(err)
}

// stockChanged raises what the SKU's new level needs.
func (a *App) stockChanged(ctx context.Context, tx event.Tx, m messages.StockChanged) error {
	return a.check(ctx, tx, domain.Level{SKU: m.SKU, Available: m.Available, Waiting: m.Waiting}, m.Origin)
}

// check raises a purchase order for the SKU's shortage, or grows the open
// one when it no longer covers the shortage (see domain.Need and Raise).
func (a *App) check(ctx context.Context, tx event.Tx, l domain.Level, o messages.Origin) error {
	rp, _, err := a.repo.ReorderPoint(ctx, tx, l.SKU)
	if err != nil {
		return err
	}
	need, reason := domain.Need(l, rp)
	if need == 0 {
		return nil
	}
	open, err := a.repo.OpenOrder(ctx, tx, l.SKU)
	if err != nil {
		return err
	}
	po, isNew := domain.Raise(open, l.SKU, need, reason, "po-"+event.NewID(), a.now())
	switch {
	case po == nil:
		return nil
	case isNew:
		err = a.repo.AddOrder(ctx, tx, *po)
	default:
		err = a.repo.SaveOrder(ctx, tx, po)
	}
	if err != nil {
		return err
	}
	return a.append(ctx, tx, *po, contract.TypePurchaseOrderRaised, contract.PurchaseOrderRaised{
		PurchaseOrderID: po.ID, ItemCode: po.SKU, Quantity: po.Qty, Reason: po.Reason}, o)
}

// append puts a purchase order's event in the outbox (stream
// scm/purchase-<id>).
func (a *App) append(ctx context.Context, tx event.Tx, po domain.PurchaseOrder, typ string, data any, o messages.Origin) error {
	env, err := event.New(contract.EventTopic, typ, contract.Source, po.ID, data)
	if err != nil {
		return err
	}
	env.Stream = "scm/purchase-" + po.ID
	return tx.Append(ctx, o.Stamp(ctx, env))
}

// Order returns one purchase order, or messages.ErrNotFound.
func (a *App) Order(ctx context.Context, id string) (domain.PurchaseOrder, error) {
	return a.repo.Order(ctx, a.store.Read(), id)
}

// Orders lists purchase orders, oldest first.
func (a *App) Orders(ctx context.Context, f adapters.Filter) ([]domain.PurchaseOrder, error) {
	return a.repo.Orders(ctx, a.store.Read(), f)
}
