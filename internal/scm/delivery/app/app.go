// Package app holds delivery's use cases: a packed shipment becomes a
// delivery, READY for a carrier; shipping it tells the customer's carrier
// and tracking number, and delivering it ends the order's journey. A
// cancelled order's delivery is cancelled unless it has shipped.
package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/delivery/adapters"
	"github.com/banchan/banchan/internal/scm/delivery/domain"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/txn"
)

// App is the delivery application.
type App struct {
	store event.Store
	bus   *bus.Bus
	repo  adapters.Deliveries
	now   func() time.Time
	log   *slog.Logger
}

// New builds delivery and subscribes its bus handlers.
func New(store event.Store, b *bus.Bus, now func() time.Time, log *slog.Logger) *App {
	a := &App{store: store, bus: b, now: now, log: log}
	bus.Subscribe(b, a.packed)
	bus.Subscribe(b, a.cancelled)
	return a
}

// Ship hands a ready delivery to a carrier: ShipmentShipped.
func (a *App) Ship(ctx context.Context, id, carrier, tracking string) (domain.Delivery, error) {
	return a.step(ctx, id, messages.StageShipped, func(d *domain.Delivery, now time.Time) (string, any, error) {
		if err := d.Ship(carrier, tracking, now); err != nil {
			return "", nil, err
		}
		return contract.TypeShipmentShipped, contract.ShipmentShipped{FulfilmentOrderID: d.OrderID,
			ShipmentID: d.ShipmentID, DeliveryID: d.ID, Carrier: d.Carrier, TrackingNumber: d.TrackingNumber, At: now}, nil
	})
}

// Deliver records that a shipped delivery reached the customer: ShipmentDelivered.
func (a *App) Deliver(ctx context.Context, id string) (domain.Delivery, error) {
	return a.step(ctx, id, messages.StageDelivered, func(d *domain.Delivery, now time.Time) (string, any, error) {
		if err := d.Deliver(now); err != nil {
			return "", nil, err
		}
		return contract.TypeShipmentDelivered, contract.ShipmentDelivered{FulfilmentOrderID: d.OrderID,
			ShipmentID: d.ShipmentID, DeliveryID: d.ID, At: now}, nil
	})
}

// step loads a delivery, applies do (which returns the outward event),
// saves it and tells its stage, in one transaction.
func (a *App) step(ctx context.Context, id, stage string,
	do func(*domain.Delivery, time.Time) (string, any, error)) (domain.Delivery, error) {
	var out domain.Delivery
	err := txn.Run(ctx, a.store, func(ctx context.Context, tx event.Tx) error {
		d, err := a.repo.Get(ctx, tx, id)
		if err != nil {
			return err
		}
		now := a.now()
		typ, data, err := do(&d, now)
		if err != nil {
			return err
		}
		if err := a.repo.Save(ctx, tx, &d); err != nil {
			return err
		}
		out = d
		o := messages.Origin{CorrelationID: d.Correlation}
		env, err := messages.NewEvent(ctx, o, typ, d.OrderID, data)
		if err != nil {
			return err
		}
		if err := tx.Append(ctx, env); err != nil {
			return err
		}
		return bus.Publish(ctx, a.bus, tx, messages.Progressed{OrderID: d.OrderID, Stage: stage,
			ShipmentID: d.ShipmentID, DeliveryID: d.ID, At: now, Origin: o})
	})
	return out, err
}

// packed: the warehouse packed the order; it is ready for a carrier.
func (a *App) packed(ctx context.Context, tx event.Tx, m messages.Progressed) error {
	if m.Stage != messages.StagePacked {
		return nil
	}
	d := domain.NewDelivery("dlv-"+event.NewID(), m.OrderID, m.ShipmentID, m.Origin.Correlation(), a.now())
	_, err := a.repo.Add(ctx, tx, d)
	return err
}

// cancelled: the order is cancelled; a delivery not yet shipped is too.
func (a *App) cancelled(ctx context.Context, tx event.Tx, m messages.FulfilmentCancelled) error {
	d, err := a.repo.OfOrder(ctx, tx, m.OrderID)
	if errors.Is(err, messages.ErrNotFound) {
		return nil
	}
	if err != nil || !d.Cancel(a.now()) {
		return err
	}
	return a.repo.Save(ctx, tx, &d)
}

// Delivery returns one delivery, or messages.ErrNotFound.
func (a *App) Delivery(ctx context.Context, id string) (domain.Delivery, error) {
	return a.repo.Get(ctx, a.store.Read(), id)
}

// Deliveries lists deliveries, oldest first.
func (a *App) Deliveries(ctx context.Context, f adapters.Filter) ([]domain.Delivery, error) {
	return a.repo.List(ctx, a.store.Read(), f)
}
