// Package scm is the supply-chain service, a modular monolith: inventory
// (batches and allocation) today; warehousing, purchasing, kitchen and
// delivery join as modules that never call each other directly.
package scm

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/event"
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

// Service is the wired SCM service.
type Service struct {
	store     event.Store
	inventory *invapp.App
	log       *slog.Logger
}

// New builds the service and migrates its tables.
func New(ctx context.Context, store event.Store, m Migrator, log *slog.Logger) (*Service, error) {
	if err := m.Migrate(ctx, Name+"-inventory", invadapters.Migrations); err != nil {
		return nil, err
	}
	return &Service{store: store, inventory: invapp.New(store, log), log: log}, nil
}

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
