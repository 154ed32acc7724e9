package app

import (
	"context"
	"fmt"

	"github.com/banchan/banchan/internal/ordering/domain"
)

// Order returns one order with its status history.
func (a *App) Order(ctx context.Context, id string) (domain.Order, error) {
	return a.orders.Get(ctx, a.store.Read(), id)
}

// Paging limits of CustomerOrders.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)

// CustomerOrders asks for one page of a customer's orders, newest first.
type CustomerOrders struct {
	CustomerID string
	// Limit is the page size (0: DefaultPageLimit; at most MaxPageLimit).
	Limit int
	// Cursor is the Next of the previous page ("" for the first).
	Cursor string
}

// OrderPage is a page of orders and the cursor of the next ("" at the end).
type OrderPage struct {
	Items []domain.Order `json:"items"`
	Next  string         `json:"next"`
}

// CustomerOrders returns a page of the customer's orders, read from the
// orders themselves (so it is never behind). A customer without orders has
// an empty first page.
func (a *App) CustomerOrders(ctx context.Context, q CustomerOrders) (OrderPage, error) {
	if q.Limit == 0 {
		q.Limit = DefaultPageLimit
	}
	if q.Limit < 1 || q.Limit > MaxPageLimit {
		return OrderPage{}, domain.ValidationError{{Field: "limit",
			Reason: fmt.Sprintf("want a number from 1 to %d", MaxPageLimit)}}
	}
	p, err := a.orders.ByCustomer(ctx, a.store.Read(), q.CustomerID, q.Limit, q.Cursor)
	if err != nil {
		return OrderPage{}, err
	}
	if p.Items == nil {
		p.Items = []domain.Order{}
	}
	return OrderPage{Items: p.Items, Next: p.Next}, nil
}
