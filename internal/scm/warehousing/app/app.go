// Package app holds the warehouse's use cases. Inbound, receipts take
// stock in (inventory adds or grows the batch on the bus, in the same
// transaction). Outbound, the warehouse instructs shipping an order once
// it is both allocated and cooked, facts it learns on the bus in whatever
// order; operators pick up and pack the shipment. An order backordered
// again before pick holds its shipment until it is allocated again.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/txn"
	"github.com/banchan/banchan/internal/scm/warehousing/adapters"
	"github.com/banchan/banchan/internal/scm/warehousing/domain"
)

// App is the warehouse application.
type App struct {
	store event.Store
	bus   *bus.Bus
	repo  adapters.Warehouse
	now   func() time.Time
	log   *slog.Logger
}

// New builds the warehouse and subscribes its bus handlers.
func New(store event.Store, b *bus.Bus, now func() time.Time, log *slog.Logger) *App {
	a := &App{store: store, bus: b, now: now, log: log}
	bus.Subscribe(b, a.allocated)
	bus.Subscribe(b, a.backordered)
	bus.Subscribe(b, a.progressed)
	bus.Subscribe(b, a.cancelled)
	return a
}

// Received is a receipt and the batch it went into.
type Received struct {
	Receipt domain.Receipt `json:"receipt"`
	Batch   messages.Batch `json:"batch"`
}

// Receive takes stock in: a new batch, or more of an existing batch of the
// same SKU. Orders waiting for the SKU are allocated to it at once.
func (a *App) Receive(ctx context.Context, ref, sku string, qty int) (Received, error) {
	r := domain.Receipt{ID: "rcpt-" + event.NewID(), Ref: ref, SKU: sku, Qty: qty, ReceivedAt: a.now()}
	if ps := r.Check(); len(ps) > 0 {
		return Received{}, messages.Invalid("receipt %s: %s", ps[0].Field, ps[0].Reason)
	}
	out := Received{Receipt: r}
	err := txn.Run(ctx, a.store, func(ctx context.Context, tx event.Tx) error {
		if err := a.repo.AddReceipt(ctx, tx, r); err != nil {
			return err
		}
		return bus.Publish(ctx, a.bus, tx, messages.ReceiveStock{Ref: ref, SKU: sku, Qty: qty, Result: &out.Batch})
	})
	return out, messages.AsRefusal(err)
}

// Pick records that a shipment awaiting pick was picked up.
func (a *App) Pick(ctx context.Context, id string) (domain.Shipment, error) {
	return a.step(ctx, id, contract.TypeShipmentPickedUp, messages.StagePickedUp, (*domain.Shipment).Pick)
}

// Pack records that a picked shipment was packed; delivery takes it on.
func (a *App) Pack(ctx context.Context, id string) (domain.Shipment, error) {
	return a.step(ctx, id, contract.TypeShipmentPacked, messages.StagePacked, (*domain.Shipment).Pack)
}

func (a *App) step(ctx context.Context, id, typ, stage string,
	do func(*domain.Shipment, time.Time) error) (domain.Shipment, error) {
	var out domain.Shipment
	err := txn.Run(ctx, a.store, func(ctx context.Context, tx event.Tx) error {
		s, err := a.repo.Shipment(ctx, tx, id)
		if err != nil {
			return err
		}
		now := a.now()
		if err := do(&s, now); err != nil {
			return err
		}
		if err := a.repo.SaveShipment(ctx, tx, &s); err != nil {
			return err
		}
		out = s
		return a.tell(ctx, tx, s, typ, stage, now, messages.Origin{CorrelationID: s.Correlation})
	})
	return out, err
}

// tell appends the shipment's outward event and states its stage on the bus.
func (a *App) tell(ctx context.Context, tx event.Tx, s domain.Shipment, typ, stage string, at time.Time,
	o messages.Origin) error {
	var data any = contract.ShipmentProgress{FulfilmentOrderID: s.OrderID, ShipmentID: s.ID, At: at}
	if typ == contract.TypeShippingInstructed {
		data = contract.ShippingInstructed{FulfilmentOrderID: s.OrderID, ShipmentID: s.ID, At: at}
	}
	env, err := messages.NewEvent(ctx, o, typ, s.OrderID, data)
	if err != nil {
		return err
	}
	if err := tx.Append(ctx, env); err != nil {
		return err
	}
	return bus.Publish(ctx, a.bus, tx, messages.Progressed{OrderID: s.OrderID, Stage: stage, ShipmentID: s.ID,
		At: at, Origin: o})
}

// Shipment returns one shipment, or messages.ErrNotFound.
func (a *App) Shipment(ctx context.Context, id string) (domain.Shipment, error) {
	return a.repo.Shipment(ctx, a.store.Read(), id)
}

// Shipments lists shipments, oldest first.
func (a *App) Shipments(ctx context.Context, f adapters.Filter) ([]domain.Shipment, error) {
	return a.repo.Shipments(ctx, a.store.Read(), f)
}
