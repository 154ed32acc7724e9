// Package sales keeps the provisional sales figures and customer order
// counts: read models that projections fold from ordering's events in the
// event log. It publishes nothing and calls no other service.
package sales

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/projection"
	"github.com/banchan/banchan/internal/sales/adapters"
	"github.com/banchan/banchan/internal/sales/ports"
)

// Name of the service.
const Name = "sales"

// Migrator applies a component's schema steps.
type Migrator interface {
	Migrate(ctx context.Context, component string, steps []string) error
}

// Service is the wired sales context.
type Service struct {
	store     event.Store
	log       *slog.Logger
	sales     *adapters.Sales
	customers *adapters.Customers
}

// New migrates the sales tables and builds the projections.
func New(ctx context.Context, store event.Store, m Migrator, log *slog.Logger) (*Service, error) {
	if err := m.Migrate(ctx, Name, adapters.Migrations); err != nil {
		return nil, err
	}
	return &Service{store: store, log: log, sales: adapters.NewSales(log), customers: adapters.NewCustomers(log)}, nil
}

// Projections are the read models the composition root's runner keeps.
func (s *Service) Projections() []projection.Projection {
	return []projection.Projection{s.sales, s.customers}
}

// Routes registers the read API.
func (s *Service) Routes(mux *http.ServeMux) {
	ports.HTTP{DB: s.store.Read(), Log: s.log}.Register(mux)
}

// Skipped counts events the projections could not read, by projection.
func (s *Service) Skipped() map[string]int64 {
	return map[string]int64{s.sales.Name(): s.sales.Skipped(), s.customers.Name(): s.customers.Skipped()}
}
