package app

import (
	"context"

	"github.com/banchan/banchan/internal/ordering/domain"
)

// Order returns one order with its status history.
func (a *App) Order(ctx context.Context, id string) (domain.Order, error) {
	return a.orders.Get(ctx, a.store.Read(), id)
}
