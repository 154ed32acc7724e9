// Package app holds the inventory use cases. Every change loads the Product
// aggregate of one SKU, applies a domain method and saves it with a version
// check, in one transaction together with the events it publishes. A
// version conflict (another writer saved the product first) rolls the
// transaction back and the command is retried. Lines taken out of a batch
// are reallocated through the in-process bus, in the same transaction.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
	"github.com/banchan/banchan/internal/scm/messages"
)

// MaxAttempts bounds the retries of a command that meets version conflicts.
const MaxAttempts = 10

// lockAfter is the attempt from which a command also locks the SKU before
// loading it: optimistic first, and under heavy contention on one SKU
// (where optimism would retry forever) the writers queue instead. The
// version check stays the guard either way.
const lockAfter = 3

// App is the inventory application.
type App struct {
	store    event.Store
	bus      *bus.Bus
	products adapters.Products
	now      func() time.Time
	log      *slog.Logger
	// ReservationTTL is how long a cart's reservation holds stock.
	ReservationTTL time.Duration
	conflicts      atomic.Int64
	exhausted      atomic.Int64
}

// Conflicts counts version conflicts met (and retried) since start.
func (a *App) Conflicts() int64 { return a.conflicts.Load() }

// Counters are the application's counters as metric names (without the
// banchan_ prefix and _total suffix): version conflicts retried, commands
// that still met one after MaxAttempts, and the product cache's hits and
// misses (0 without the cache).
func (a *App) Counters() map[string]int64 {
	hits, misses := a.products.CacheStats()
	return map[string]int64{"inventory_version_conflicts": a.conflicts.Load(),
		"inventory_conflicts_exhausted": a.exhausted.Load(),
		"inventory_cache_hits":          hits, "inventory_cache_misses": misses}
}

// New builds the application and subscribes its bus handlers.
func New(store event.Store, b *bus.Bus, log *slog.Logger) *App {
	a := &App{store: store, bus: b, now: func() time.Time { return time.Now().UTC() }, log: log,
		ReservationTTL: 15 * time.Minute}
	bus.Subscribe(b, a.reallocate)
	bus.Subscribe(b, a.receiveStock)
	bus.Subscribe(b, a.stockLevel)
	bus.Subscribe(b, a.cancelFulfilment)
	return a
}

// CacheProducts keeps up to size products in memory between commands, so
// that a command loads its product with one query. Only for a store that
// no other process writes (see event.Exclusive).
func (a *App) CacheProducts(size int) { a.products = adapters.WithCache(size) }

// CacheStats are the product cache's hits and misses.
func (a *App) CacheStats() (hits, misses int64) { return a.products.CacheStats() }

// SetClock replaces the clock (tests).
func (a *App) SetClock(now func() time.Time) { a.now = now }

// unit is one command's work inside its transaction: the cause (a message,
// or none for a request) and the orders whose allocation state it touched.
type unit struct {
	tx       event.Tx
	cause    *event.Envelope
	affected map[string]bool
	lock     bool            // lock each SKU before loading it (see lockAfter)
	skip     map[string]bool // orders known to have no fulfilment order
}

// run executes fn in a transaction, retrying on version conflicts.
func (a *App) run(ctx context.Context, fn func(ctx context.Context, u *unit) error) error {
	var err error
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		lock := attempt >= lockAfter
		err = a.store.Update(ctx, func(ctx context.Context, tx event.Tx) error {
			return a.within(ctx, tx, nil, lock, fn)
		})
		if !errors.Is(err, event.ErrConcurrency) {
			return err
		}
		a.conflicts.Add(1)
		a.log.Debug("version conflict, retrying", "attempt", attempt, "err", err)
		// A little jitter keeps colliding writers from colliding again.
		time.Sleep(time.Duration(rand.Int64N(int64(attempt) * int64(time.Millisecond))))
	}
	a.exhausted.Add(1)
	return err
}

// within runs fn as a unit in an open transaction and then publishes the
// state of every fulfilment order it touched.
func (a *App) within(ctx context.Context, tx event.Tx, cause *event.Envelope, lock bool,
	fn func(context.Context, *unit) error) error {
	u := &unit{tx: tx, cause: cause, affected: map[string]bool{}, lock: lock, skip: map[string]bool{}}
	if err := fn(ctx, u); err != nil {
		return err
	}
	return a.publishFulfilments(ctx, u)
}

// change loads the SKU's product, applies fn, saves the product (with its
// version check: optimistic concurrency, no lock is held while deciding)
// and appends the events that leave the service; then it reallocates the
// lines the change took out of their batches.
func (a *App) change(ctx context.Context, u *unit, sku string, scope adapters.Scope, fn func(p *domain.Product) error) error {
	if u.lock {
		if err := a.products.Lock(ctx, u.tx, sku); err != nil {
			return err
		}
	}
	p, err := a.products.LoadForUpdate(ctx, u.tx, sku, scope)
	if err != nil {
		return err
	}
	err = p.Attempt(fn)
	if errors.Is(err, domain.ErrAllWaitingNeeded) && scope.OwnWaiting {
		// The command gives stock after all: again, with every waiting line.
		scope.OwnWaiting = false
		if p, err = a.products.LoadForUpdate(ctx, u.tx, sku, scope); err != nil {
			return err
		}
		err = fn(p)
	}
	if err != nil {
		return err
	}
	if len(p.Events) == 0 {
		return nil
	}
	if err := a.products.Save(ctx, u.tx, p, a.now()); err != nil {
		return err
	}
	if err := a.publish(ctx, u, p); err != nil {
		return err
	}
	// Before the reallocations below, which state their own, later levels.
	if err := a.stockChanged(ctx, u, p); err != nil {
		return err
	}
	var taken []domain.Allocation
	for _, e := range p.Events {
		switch e := e.(type) {
		case domain.Deallocated:
			if !e.Final {
				taken = append(taken, e.Allocation)
			}
		case domain.ReservationDisplaced:
			taken = append(taken, e.Allocation)
		}
	}
	if len(taken) > 0 {
		return bus.Publish(ctx, a.bus, u.tx, reallocateLines{sku: p.SKU, taken: taken, unit: u})
	}
	return nil
}

// stockChanged tells the other modules the product's stock level.
func (a *App) stockChanged(ctx context.Context, u *unit, p *domain.Product) error {
	return bus.Publish(ctx, a.bus, u.tx, messages.StockChanged{SKU: p.SKU, Available: p.Available(), Waiting: p.Waiting,
		At: a.now(), Origin: messages.Origin{Cause: u.cause}})
}

// stockLevel answers another module's question for a SKU's stock level.
func (a *App) stockLevel(ctx context.Context, tx event.Tx, m messages.StockLevel) error {
	if m.Result == nil {
		return errors.New("stock level: no result to fill")
	}
	// The totals only: no line, waiting or not.
	p, err := a.products.Load(ctx, tx, m.SKU, adapters.Scope{OwnWaiting: true})
	if err != nil {
		return err
	}
	*m.Result = messages.Level{Available: p.Available(), Waiting: p.Waiting, Known: p.Version > 0}
	return nil
}

// reallocateLines asks for the lines and holds a quantity change took out
// of a batch to be placed again; each carries the allocation it lost,
// whose place among the product's lines it keeps.
type reallocateLines struct {
	sku   string
	taken []domain.Allocation
	unit  *unit
}

func (a *App) reallocate(ctx context.Context, _ event.Tx, m reallocateLines) error {
	var scope adapters.Scope
	for _, t := range m.taken {
		if t.Reservation() {
			scope.Carts = append(scope.Carts, t.CartID)
		} else {
			scope.Orders = append(scope.Orders, t.OrderID)
		}
	}
	return a.change(ctx, m.unit, m.sku, scope, func(p *domain.Product) error {
		return p.Reallocate(m.taken, a.now())
	})
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{domain.ErrInvalid}, args...)...)
}
