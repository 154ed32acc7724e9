package app

import (
	"context"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// Product returns a SKU's product as of one moment: version, waiting
// total, every batch with its allocated, reserved and available
// quantities, and the page of its waiting lines (more: lines follow it).
// Its allocated lines are not loaded: the batches carry their totals.
func (a *App) Product(ctx context.Context, sku string, page adapters.WaitingPage) (p *domain.Product, more bool, err error) {
	if page.Limit <= 0 { // totals and batches only (the catalog query): no snapshot needed
		return a.products.ProductView(ctx, a.store.Read(), sku, page)
	}
	err = a.store.View(ctx, func(ctx context.Context, q event.Querier) error {
		p, more, err = a.products.ProductView(ctx, q, sku, page)
		return err
	})
	return p, more, err
}

// Batch returns one batch with its quantities.
func (a *App) Batch(ctx context.Context, ref string) (domain.Batch, error) {
	return a.products.Batch(ctx, a.store.Read(), ref)
}

// Known reports whether the SKU has stock records (the catalog query).
func (a *App) Known(ctx context.Context, sku string) (bool, error) {
	return a.products.Known(ctx, a.store.Read(), sku)
}

// AllocationsOf lists an order's allocated lines.
func (a *App) AllocationsOf(ctx context.Context, orderID string) ([]adapters.OrderAllocation, error) {
	return a.products.AllocationsOf(ctx, a.store.Read(), orderID)
}

// OrderLines lists an order's allocated lines and its lines waiting for
// stock, as of one moment.
func (a *App) OrderLines(ctx context.Context, orderID string) ([]adapters.OrderAllocation, []adapters.WaitingLine, error) {
	return a.products.OrderLines(ctx, a.store.Read(), orderID)
}

// Cart lists a cart's reservations.
func (a *App) Cart(ctx context.Context, cartID string) ([]adapters.Reservation, error) {
	return a.products.CartOf(ctx, a.store.Read(), cartID)
}
