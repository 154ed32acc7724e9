// Package scmadapter is the anti-corruption layer between the ordering
// service and the SCM, run as its own service.
package scmadapter

import (
	"context"
	"log/slog"

	"github.com/banchan/banchan/event"
	ordering "github.com/banchan/banchan/internal/ordering/contract"
	scm "github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scmadapter/adapters"
	"github.com/banchan/banchan/internal/scmadapter/app"
)

// Name of the service (and of its subscription).
const Name = "scm-adapter"

// Migrator applies a component's schema steps.
type Migrator interface {
	Migrate(ctx context.Context, component string, steps []string) error
}

// Service is the wired adapter.
type Service struct {
	store event.Store
	app   *app.App
}

// New builds the adapter and migrates its tables.
func New(ctx context.Context, store event.Store, m Migrator, log *slog.Logger) (*Service, error) {
	if err := m.Migrate(ctx, "scmadapter", adapters.Migrations); err != nil {
		return nil, err
	}
	return &Service{store: store, app: app.New(log)}, nil
}

// Topics the adapter subscribes to.
func (s *Service) Topics() []string { return []string{ordering.Topic, scm.EventTopic} }

// Bind registers the adapter's handlers, each inbox-backed.
func (s *Service) Bind(c *event.Consumer) {
	c.Handle(ordering.TypeOrderPlaced, event.WithInbox(s.store, c.Name(), event.Typed(s.app.OrderPlaced)))
	c.Handle(scm.TypeFulfilmentAllocated, event.WithInbox(s.store, c.Name(), event.Typed(s.app.FulfilmentAllocated)))
	c.Handle(scm.TypeFulfilmentBackordered, event.WithInbox(s.store, c.Name(), event.Typed(s.app.FulfilmentBackordered)))
}
