package app

import (
	"context"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/warehousing/domain"
)

// allocated: the order has all its stock; a held shipment may be picked
// again, and an order cooked already gets its shipping instruction.
func (a *App) allocated(ctx context.Context, tx event.Tx, m messages.FulfilmentAllocated) error {
	return a.changeOrder(ctx, tx, m.OrderID, m.Origin, func(o *domain.Order) { o.Allocated = true },
		(*domain.Shipment).Release)
}

// backordered: the order lost stock; a shipment not picked yet is held.
func (a *App) backordered(ctx context.Context, tx event.Tx, m messages.FulfilmentBackordered) error {
	return a.changeOrder(ctx, tx, m.OrderID, m.Origin, func(o *domain.Order) { o.Allocated = false },
		(*domain.Shipment).Hold)
}

// progressed: COOKED may make the order ready to ship; SHIPPED (told by
// delivery) closes the shipment.
func (a *App) progressed(ctx context.Context, tx event.Tx, m messages.Progressed) error {
	switch m.Stage {
	case messages.StageCooked:
		return a.changeOrder(ctx, tx, m.OrderID, m.Origin, func(o *domain.Order) { o.Cooked = true }, nil)
	case messages.StageShipped:
		return a.changeOrder(ctx, tx, m.OrderID, m.Origin, func(*domain.Order) {}, (*domain.Shipment).Ship)
	}
	return nil
}

// cancelled: the order is cancelled; a shipment not shipped is cancelled,
// and none will be instructed.
func (a *App) cancelled(ctx context.Context, tx event.Tx, m messages.FulfilmentCancelled) error {
	return a.changeOrder(ctx, tx, m.OrderID, m.Origin, func(o *domain.Order) { o.Cancelled = true },
		(*domain.Shipment).Cancel)
}

// changeOrder applies a fact to the warehouse's record of an order, then
// moves its shipment (if there is one) with shipment, or instructs
// shipping when the order became ready.
func (a *App) changeOrder(ctx context.Context, tx event.Tx, orderID string, origin messages.Origin,
	change func(*domain.Order), shipment func(*domain.Shipment, time.Time) bool) error {
	o, err := a.repo.Order(ctx, tx, orderID)
	if err != nil {
		return err
	}
	if o.Correlation == "" {
		o.Correlation = origin.Correlation()
	}
	change(&o)
	if o.Ready() {
		return a.instruct(ctx, tx, &o, origin)
	}
	if err := a.repo.SaveOrder(ctx, tx, &o); err != nil {
		return err
	}
	if o.ShipmentID == "" || shipment == nil {
		return nil
	}
	s, err := a.repo.Shipment(ctx, tx, o.ShipmentID)
	if err != nil {
		return err
	}
	if !shipment(&s, a.now()) {
		return nil
	}
	return a.repo.SaveShipment(ctx, tx, &s)
}

// instruct creates the order's shipment, awaiting pick, and tells it
// (ShippingInstructed leaves the service; AWAITING_PICK on the bus).
func (a *App) instruct(ctx context.Context, tx event.Tx, o *domain.Order, origin messages.Origin) error {
	now := a.now()
	s := domain.NewShipment("ship-"+event.NewID(), o.ID, o.Correlation, now)
	o.ShipmentID = s.ID
	if err := a.repo.SaveOrder(ctx, tx, o); err != nil {
		return err
	}
	if err := a.repo.AddShipment(ctx, tx, s); err != nil {
		return err
	}
	if origin.Cause == nil {
		origin.CorrelationID = o.Correlation
	}
	return a.tell(ctx, tx, s, contract.TypeShippingInstructed, messages.StageAwaitingPick, now, origin)
}
