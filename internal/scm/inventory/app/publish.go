package app

import (
	"context"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// publish appends the product's events that other services need, in order,
// each caused by the unit's message (or traced to its request), and notes
// the orders whose allocation changed.
func (a *App) publish(ctx context.Context, u *unit, p *domain.Product) error {
	var envs []event.Envelope
	for _, e := range p.Events {
		typ, subject, data := outward(p.SKU, e)
		if typ == "" {
			continue
		}
		if order := orderOf(e); order != "" {
			u.affected[order] = true
		}
		env, err := event.New(contract.EventTopic, typ, contract.Source, subject, data)
		if err != nil {
			return err
		}
		env.Stream = "scm/product-" + p.SKU
		if u.cause != nil {
			env = env.CausedBy(*u.cause)
		} else {
			env = env.Traced(ctx)
		}
		envs = append(envs, env)
	}
	return u.tx.Append(ctx, envs...)
}

// outward maps a domain event to its published type, subject and payload.
func outward(sku string, e domain.Event) (string, string, any) {
	switch e := e.(type) {
	case domain.BatchAdded:
		return contract.TypeBatchAdded, e.Batch.Ref, contract.BatchAdded{Ref: e.Batch.Ref, SKU: sku, Qty: e.Batch.Qty, ETA: e.Batch.ETA}
	case domain.BatchQuantityChanged:
		return contract.TypeBatchQuantityChanged, e.Ref, contract.BatchQuantityChanged{Ref: e.Ref, SKU: sku, Qty: e.Qty}
	case domain.Allocated:
		al := e.Allocation
		return contract.TypeLineAllocated, al.OrderID, contract.LineAllocated{OrderID: al.OrderID, SKU: sku, Qty: al.Qty, BatchRef: al.BatchRef}
	case domain.Deallocated:
		al := e.Allocation
		return contract.TypeLineDeallocated, al.OrderID, contract.LineDeallocated{OrderID: al.OrderID, SKU: sku, Qty: al.Qty,
			BatchRef: al.BatchRef, Reason: e.Reason}
	case domain.OutOfStock:
		return contract.TypeOutOfStock, e.Line.OrderID, contract.OutOfStock{OrderID: e.Line.OrderID, SKU: sku, Qty: e.Line.Qty}
	case domain.Backordered:
		bo := e.Backorder
		return contract.TypeLineBackordered, bo.OrderID, contract.LineBackordered{OrderID: bo.OrderID, SKU: sku, Qty: bo.Qty}
	case domain.Reserved:
		al := e.Allocation
		return contract.TypeStockReserved, al.CartID, contract.StockReserved{CartID: al.CartID, SKU: sku, Qty: al.Qty,
			BatchRef: al.BatchRef, ExpiresAt: al.Until.UTC().Format(time.RFC3339Nano)}
	case domain.ReservationMoved: // the hold stands, in another batch
		al := e.Allocation
		return contract.TypeStockReserved, al.CartID, contract.StockReserved{CartID: al.CartID, SKU: sku, Qty: al.Qty,
			BatchRef: al.BatchRef, ExpiresAt: al.Until.UTC().Format(time.RFC3339Nano), MovedFrom: e.From}
	case domain.ReservationReleased:
		al := e.Allocation
		return contract.TypeReservationReleased, al.CartID, contract.ReservationReleased{CartID: al.CartID, SKU: sku,
			Qty: al.Qty, BatchRef: al.BatchRef, Reason: e.Reason}
	}
	return "", "", nil
}

// orderOf is the order whose allocation state an event changes, if any.
func orderOf(e domain.Event) string {
	switch e := e.(type) {
	case domain.Allocated:
		return e.Allocation.OrderID
	case domain.Deallocated:
		return e.Allocation.OrderID
	case domain.Backordered:
		return e.Backorder.OrderID
	case domain.BackorderDropped:
		return e.Backorder.OrderID
	}
	return ""
}
