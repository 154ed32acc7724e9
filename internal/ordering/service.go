// Package ordering is the ordering service: customers place orders over
// REST; the service commits each order with its OrderPlaced event and
// follows the SCM's progress (through the SCM adapter's events) to move the
// order's status forward.
package ordering

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/event"
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

// Service is the wired ordering service.
type Service struct {
	app   *app.App
	store event.Store
	log   *slog.Logger
}

// New builds the service and migrates its tables.
func New(ctx context.Context, store event.Store, m Migrator, catalog app.Catalog, log *slog.Logger) (*Service, error) {
	if err := m.Migrate(ctx, Name, adapters.Migrations); err != nil {
		return nil, err
	}
	a, err := app.New(app.Config{Store: store, Catalog: catalog, Logger: log})
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
