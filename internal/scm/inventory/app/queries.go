package app

import (
	"context"

	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// Product returns a SKU's product (batches with allocated, reserved and
// available quantities; waiting lines; version).
func (a *App) Product(ctx context.Context, sku string) (*domain.Product, error) {
	return a.products.Load(ctx, a.store.Read(), sku, adapters.Scope{All: true})
}

// Batch returns one batch with its quantities.
func (a *App) Batch(ctx context.Context, ref string) (domain.Batch, error) {
	sku, err := a.products.SKUOfBatch(ctx, a.store.Read(), ref)
	if err != nil {
		return domain.Batch{}, err
	}
	p, err := a.Product(ctx, sku)
	if err != nil {
		return domain.Batch{}, err
	}
	for _, b := range p.Batches {
		if b.Ref == ref {
			return b, nil
		}
	}
	return domain.Batch{}, adapters.ErrNotFound
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
