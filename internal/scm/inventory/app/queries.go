package app

import (
	"context"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// Product returns a SKU's product as of one moment (one snapshot):
// version, waiting and stock totals, a page of its batches in allocation
// preference with their allocated, reserved and available quantities, and
// a page of its waiting lines. Its allocated lines are not loaded: the
// batches carry their totals.
func (a *App) Product(ctx context.Context, sku string, waiting adapters.WaitingPage, batches adapters.BatchPage) (v adapters.View, err error) {
	err = a.store.View(ctx, func(ctx context.Context, q event.Querier) error {
		v, err = a.products.ProductView(ctx, q, sku, waiting, batches)
		return err
	})
	return v, err
}

// Batches returns a page of a SKU's batches in allocation preference.
func (a *App) Batches(ctx context.Context, sku string, page adapters.BatchPage) ([]domain.Batch, string, error) {
	return a.products.BatchesOf(ctx, a.store.Read(), sku, page)
}

// Stock sums a SKU's batches (the catalog query).
func (a *App) Stock(ctx context.Context, sku string) (adapters.Stock, error) {
	return a.products.StockOf(ctx, a.store.Read(), sku)
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
