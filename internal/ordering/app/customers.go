package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/contract"
	"github.com/banchan/banchan/internal/ordering/domain"
)

// ErrCustomerNotFound reports a customer who never placed an order (or whose
// first order the customer aggregate has not counted yet).
var ErrCustomerNotFound = errors.New("customer not found")

// CountPlacedOrder handles the service's own OrderPlaced (from the broker):
// the customer counts the order, and the third counted one makes them VIP.
func (a *App) CountPlacedOrder(ctx context.Context, tx event.Tx, env event.Envelope, e contract.OrderPlaced) error {
	at := e.PlacedAt
	if at.IsZero() {
		at = env.Time
	}
	return a.changeCustomer(ctx, tx, env, e.CustomerID, e.ID, func(c domain.Customer, o domain.CustomerOrder) []domain.CustomerEvent {
		return c.Place(e.ID, o, at)
	})
}

// UncountCancelledOrder handles the service's own OrderCancelled: the
// order no longer counts (a VIP stays VIP).
func (a *App) UncountCancelledOrder(ctx context.Context, tx event.Tx, env event.Envelope, e contract.OrderCancelled) error {
	at := e.CancelledAt
	if at.IsZero() {
		at = env.Time
	}
	return a.changeCustomer(ctx, tx, env, e.CustomerID, e.ID, func(c domain.Customer, o domain.CustomerOrder) []domain.CustomerEvent {
		return c.Cancel(e.ID, o, at)
	})
}

// changeCustomer loads the customer in the handler's transaction, lets
// decide raise events and saves them there. What the customer knows of the
// order dedupes it, so a repeated event raises nothing even past the inbox. Loaded in
// the transaction, the customer includes what handlers before this one in
// the same group commit saved (SQLite); where another writer can commit in
// between (PostgreSQL), the save fails with event.ErrConcurrency:
// retryable, the consumer redelivers and the retry decides on the fresh
// state.
func (a *App) changeCustomer(ctx context.Context, tx event.Tx, cause event.Envelope, id, orderID string,
	decide func(domain.Customer, domain.CustomerOrder) []domain.CustomerEvent) error {
	if !domain.ValidID(id) {
		return event.Permanent(fmt.Errorf("%s %s: customer id %q is not valid", cause.Type, cause.ID, id))
	}
	// Where the engine has row-level concurrency (PostgreSQL), the lock
	// makes a second handler of this customer wait for the first to commit
	// and load after it, so conflicts are rare; the version check stays the
	// guarantee.
	if err := tx.Lock(ctx, "customer:"+id); err != nil {
		return err
	}
	l, err := a.customers.LoadIn(ctx, tx, id, orderID)
	if err != nil {
		return err
	}
	evs := decide(l.State, l.Order)
	if len(evs) == 0 {
		a.log.Info("customer already knows this", "customer", id, "event", cause.Type, "id", cause.ID)
		return nil
	}
	if err := a.customers.Save(ctx, tx, &l, cause, evs); err != nil {
		return fmt.Errorf("%s %s: %w", cause.Type, cause.ID, err)
	}
	return nil
}

// CustomerView is a customer as the API shows it. OrderCount is placed
// minus cancelled orders; it follows the order events, so it may lag an
// order placed a moment ago.
type CustomerView struct {
	ID             string      `json:"id"`
	Tier           domain.Tier `json:"tier"`
	OrderCount     int         `json:"orderCount"`
	PlacedCount    int         `json:"placedCount"`
	CancelledCount int         `json:"cancelledCount"`
	VipSince       *time.Time  `json:"vipSince,omitempty"`
	// Version is the customer stream's version (for clients that poll).
	Version int64 `json:"version"`
}

// Customer returns a customer's tier and order counts.
func (a *App) Customer(ctx context.Context, id string) (CustomerView, error) {
	if !domain.ValidID(id) {
		return CustomerView{}, fmt.Errorf("customer %q: %w", id, ErrCustomerNotFound)
	}
	l, err := a.customers.Load(ctx, id)
	if err != nil {
		return CustomerView{}, err
	}
	c := l.State
	if !c.Known() {
		return CustomerView{}, fmt.Errorf("customer %s: %w", id, ErrCustomerNotFound)
	}
	n := c.Counts()
	v := CustomerView{ID: id, Tier: c.Tier(), OrderCount: n.Counted, PlacedCount: n.Placed,
		CancelledCount: n.Cancelled, Version: l.Version}
	if !c.VipSince.IsZero() {
		v.VipSince = &c.VipSince
	}
	return v, nil
}
