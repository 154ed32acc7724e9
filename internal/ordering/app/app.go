// Package app holds the ordering context's use cases: commands that change
// orders (and commit their events in the same transaction) and queries that
// read them.
package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/adapters"
)

// Catalog answers whether a SKU can be ordered (a query, never a command):
// known when the SCM knows the item it stands for, or when it needs no
// fulfilment (item ""). An error wrapping ErrCatalogUnavailable means the
// answer could not be had for now.
type Catalog interface {
	Resolve(ctx context.Context, sku string) (item string, known bool, err error)
}

// App is the ordering application.
type App struct {
	store     event.Store
	catalog   Catalog
	orders    adapters.Orders
	idem      adapters.Idempotency
	customers *adapters.Customers
	now       func() time.Time
	newID     func() string
	log       *slog.Logger
}

// Config holds App's dependencies.
type Config struct {
	Store   event.Store
	Catalog Catalog
	// Customers keeps the event-sourced customer aggregates.
	Customers *adapters.Customers
	Now       func() time.Time
	NewID     func() string
	Logger    *slog.Logger
}

// New builds the application.
func New(cfg Config) (*App, error) {
	if cfg.Store == nil || cfg.Catalog == nil || cfg.Customers == nil {
		return nil, errors.New("ordering: needs a store, a catalog and the customers")
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Now().UTC() }
	}
	if cfg.NewID == nil {
		cfg.NewID = event.NewID
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &App{store: cfg.Store, catalog: cfg.Catalog, customers: cfg.Customers, now: cfg.Now, newID: cfg.NewID,
		log: cfg.Logger}, nil
}
