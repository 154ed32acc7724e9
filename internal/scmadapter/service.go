// Package scmadapter is the anti-corruption layer between the ordering
// service and the SCM, run as its own service.
package scmadapter

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/event"
	ordering "github.com/banchan/banchan/internal/ordering/contract"
	scm "github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scmadapter/adapters"
	"github.com/banchan/banchan/internal/scmadapter/app"
	"github.com/banchan/banchan/internal/scmadapter/ports"
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
	log   *slog.Logger
}

// SKUs answers, from the adapter's mapping table and the SCM's catalog,
// whether an order line of a SKU can be taken: ordering's catalog. A
// process that runs ordering without the adapter reads the table in the
// shared store.
type SKUs struct {
	store event.Store
	app   *app.App
}

// NewSKUs builds the query (migrating the adapter's tables, so that it
// works before an adapter process has started).
func NewSKUs(ctx context.Context, store event.Store, m Migrator, catalog app.Catalog, log *slog.Logger) (*SKUs, error) {
	if err := migrate(ctx, m); err != nil {
		return nil, err
	}
	return &SKUs{store: store, app: app.New(catalog, log)}, nil
}

// Resolve reports whether the SKU can be ordered: mapped (or by default)
// to an item the SCM knows, returned; or not physical, as gift cards (item
// "").
func (s *SKUs) Resolve(ctx context.Context, sku string) (item string, known bool, err error) {
	return s.app.Orderable(ctx, s.store.Read(), sku)
}

func migrate(ctx context.Context, m Migrator) error {
	steps := append(append([]string(nil), adapters.Migrations...), adapters.OrderMigrations...)
	return m.Migrate(ctx, "scmadapter", steps)
}

// New builds the adapter and migrates its tables. The catalog answers
// whether the SCM knows an item (nil: trust every mapping).
func New(ctx context.Context, store event.Store, m Migrator, catalog app.Catalog, log *slog.Logger) (*Service, error) {
	if err := migrate(ctx, m); err != nil {
		return nil, err
	}
	return &Service{store: store, app: app.New(catalog, log), log: log}, nil
}

// Routes registers the operators' API of the SKU mapping table.
func (s *Service) Routes(mux *http.ServeMux) {
	ports.HTTP{Store: s.store, Mappings: s.app.Mappings(), Log: s.log}.Register(mux)
}

// Topics the adapter subscribes to.
func (s *Service) Topics() []string { return []string{ordering.Topic, scm.EventTopic} }

// Bind registers the adapter's handlers, each inbox-backed.
func (s *Service) Bind(c *event.Consumer) {
	c.Handle(ordering.TypeOrderPlaced, event.WithInbox(s.store, c.Name(), event.Typed(s.app.OrderPlaced)))
	c.Handle(scm.TypeFulfilmentAllocated, event.WithInbox(s.store, c.Name(), event.Typed(s.app.FulfilmentAllocated)))
	c.Handle(scm.TypeFulfilmentBackordered, event.WithInbox(s.store, c.Name(), event.Typed(s.app.FulfilmentBackordered)))
	c.Handle(ordering.TypeOrderCancelled, event.WithInbox(s.store, c.Name(), event.Typed(s.app.OrderCancelled)))
	c.Handle(scm.TypeCookingStarted, event.WithInbox(s.store, c.Name(), event.Typed(s.app.CookingStarted)))
	c.Handle(scm.TypeShipmentPickedUp, event.WithInbox(s.store, c.Name(), event.Typed(s.app.ShipmentPickedUp)))
	c.Handle(scm.TypeShipmentPacked, event.WithInbox(s.store, c.Name(), event.Typed(s.app.ShipmentPacked)))
	c.Handle(scm.TypeShipmentShipped, event.WithInbox(s.store, c.Name(), event.Typed(s.app.ShipmentShipped)))
	c.Handle(scm.TypeShipmentDelivered, event.WithInbox(s.store, c.Name(), event.Typed(s.app.ShipmentDelivered)))
	c.Handle(scm.TypeFulfilmentCancelled, event.WithInbox(s.store, c.Name(), event.Typed(s.app.FulfilmentCancelled)))
	c.Handle(scm.TypeFulfilmentCancelRejected, event.WithInbox(s.store, c.Name(), event.Typed(s.app.FulfilmentCancelRejected)))
	c.Handle(scm.TypeFulfilmentDelayed, event.WithInbox(s.store, c.Name(), event.Typed(s.app.FulfilmentDelayed)))
}
