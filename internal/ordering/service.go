// Package ordering is the ordering service: customers place and cancel
// orders over REST; the service commits each order with its OrderPlaced
// (or OrderCancelled) event and follows the SCM's progress (through the SCM
// adapter's events) to move the order's status forward, never back. It
// also reads its own order events back from the broker to keep each
// customer's event-sourced tally (orders, VIP tier).
package ordering

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/eventstore"
	"github.com/banchan/banchan/internal/ordering/adapters"
	"github.com/banchan/banchan/internal/ordering/app"
	"github.com/banchan/banchan/internal/ordering/ports"
)

// Name of the service (and of its subscription).
const Name = "ordering"

// Migrator applies a component's schema steps.
type Migrator interface {
	Migrate(ctx context.Context, component string, steps []string) error
}

// Store is what the service needs of its store: transactions, the event
// log (the customers are event-sourced) and migrations. *sqlstore.Store
// (SQLite, PostgreSQL) is one.
type Store = eventstore.Store

// Service is the wired ordering service.
type Service struct {
	app   *app.App
	store event.Store
	log   *slog.Logger
}

// New builds the service and migrates its tables (and the event store's
// snapshot table).
func New(ctx context.Context, store Store, m Migrator, catalog app.Catalog, log *slog.Logger) (*Service, error) {
	if err := m.Migrate(ctx, Name, adapters.Migrations); err != nil {
		return nil, fmt.Errorf("ordering: migrate: %w", err)
	}
	customers, err := adapters.NewCustomers(ctx, store)
	if err != nil {
		return nil, fmt.Errorf("ordering: %w", err)
	}
	a, err := app.New(app.Config{Store: store, Catalog: catalog, Customers: customers, Logger: log})
	if err != nil {
		return nil, err
	}
	return &Service{app: a, store: store, log: log}, nil
}

// Routes registers the HTTP API.
func (s *Service) Routes(mux *http.ServeMux) { ports.HTTP{App: s.app, Log: s.log}.Register(mux) }

// Topics the service subscribes to.
func (s *Service) Topics() []string { return ports.Topics }

// Bind registers the event handlers.
func (s *Service) Bind(c *event.Consumer) { ports.Bind(c, s.store, s.app) }

// Handlers are what Bind registers for the subscription named
// subscription, by event type (for tests and tools that deliver envelopes
// themselves, as the consumer would).
func (s *Service) Handlers(subscription string) map[string]event.HandlerFunc {
	return ports.Handlers(s.store, subscription, s.app)
}
