// Package scm is the supply-chain service, a modular monolith: inventory
// (batches and allocation) today; warehousing, purchasing, kitchen and
// delivery join as modules that never call each other directly.
package scm

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/contract"
	invadapters "github.com/banchan/banchan/internal/scm/inventory/adapters"
	invapp "github.com/banchan/banchan/internal/scm/inventory/app"
	invports "github.com/banchan/banchan/internal/scm/inventory/ports"
)

// Name of the service (and of its subscription).
const Name = "scm"

// Migrator applies a component's schema steps.
type Migrator interface {
	Migrate(ctx context.Context, component string, steps []string) error
}

// Options tune the service.
type Options struct {
	// ReservationTTL is how long a cart's reservation holds stock (default 15m).
	ReservationTTL time.Duration
	// ExpiryInterval is how often expired reservations are released (default 1s).
	ExpiryInterval time.Duration
}

// Service is the wired SCM service. Its modules share one store and one
// in-process bus; they never call each other directly.
type Service struct {
	store     event.Store
	bus       *bus.Bus
	inventory *invapp.App
	opts      Options
	log       *slog.Logger
}

// New builds the service and migrates its tables.
func New(ctx context.Context, store event.Store, m Migrator, opts Options, log *slog.Logger) (*Service, error) {
	if err := m.Migrate(ctx, Name+"-inventory", invadapters.Migrations); err != nil {
		return nil, err
	}
	if opts.ReservationTTL <= 0 {
		opts.ReservationTTL = 15 * time.Minute
	}
	if opts.ExpiryInterval <= 0 {
		opts.ExpiryInterval = time.Second
	}
	b := bus.New()
	inv := invapp.New(store, b, log)
	inv.ReservationTTL = opts.ReservationTTL
	return &Service{store: store, bus: b, inventory: inv, opts: opts, log: log}, nil
}

// Run does the service's background work until ctx ends: releasing
// expired cart reservations (durably: the expiry time is stored, so a
// restart neither loses nor doubles a release).
func (s *Service) Run(ctx context.Context) { s.inventory.RunExpiry(ctx, s.opts.ExpiryInterval) }

// Inventory is the inventory module's application (for adapters wired by
// the composition root, such as the Redis channels).
func (s *Service) Inventory() *invapp.App { return s.inventory }

// Routes registers the HTTP API.
func (s *Service) Routes(mux *http.ServeMux) {
	invports.HTTP{App: s.inventory, Log: s.log}.Register(mux)
}

// Topics the service subscribes to.
func (s *Service) Topics() []string { return []string{contract.CommandTopic} }

// Bind registers the command handlers.
func (s *Service) Bind(c *event.Consumer) { invports.Bind(c, s.store, s.inventory) }

// KnownSKU is the catalog query, for in-process callers wired by the
// composition root.
func (s *Service) KnownSKU(ctx context.Context, sku string) (bool, error) {
	return s.inventory.Known(ctx, sku)
}
