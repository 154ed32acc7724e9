package scm

import (
	"context"
	"errors"
	"net/http"

	dlvadapters "github.com/banchan/banchan/internal/scm/delivery/adapters"
	dlvports "github.com/banchan/banchan/internal/scm/delivery/ports"
	invadapters "github.com/banchan/banchan/internal/scm/inventory/adapters"
	invapp "github.com/banchan/banchan/internal/scm/inventory/app"
	invdomain "github.com/banchan/banchan/internal/scm/inventory/domain"
	invports "github.com/banchan/banchan/internal/scm/inventory/ports"
	kitadapters "github.com/banchan/banchan/internal/scm/kitchen/adapters"
	kitports "github.com/banchan/banchan/internal/scm/kitchen/ports"
	procadapters "github.com/banchan/banchan/internal/scm/process/adapters"
	procports "github.com/banchan/banchan/internal/scm/process/ports"
	puradapters "github.com/banchan/banchan/internal/scm/purchasing/adapters"
	purports "github.com/banchan/banchan/internal/scm/purchasing/ports"
	"github.com/banchan/banchan/internal/scm/simulation"
	whadapters "github.com/banchan/banchan/internal/scm/warehousing/adapters"
	whports "github.com/banchan/banchan/internal/scm/warehousing/ports"
)

// migrate applies every module's schema, each as its own component.
func migrate(ctx context.Context, m Migrator) error {
	for _, c := range []struct {
		name  string
		steps []string
	}{
		{"inventory", invadapters.Migrations},
		{"process", procadapters.Migrations},
		{"kitchen", kitadapters.Migrations},
		{"warehousing", whadapters.Migrations},
		{"delivery", dlvadapters.Migrations},
		{"purchasing", puradapters.Migrations},
	} {
		if err := m.Migrate(ctx, Name+"-"+c.name, c.steps); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) routes(mux *http.ServeMux) {
	invports.HTTP{App: s.inventory, Log: s.log}.Register(mux)
	kitports.HTTP{App: s.kitchen, Log: s.log}.Register(mux)
	whports.HTTP{App: s.warehouse, Log: s.log}.Register(mux)
	dlvports.HTTP{App: s.delivery, Log: s.log}.Register(mux)
	purports.HTTP{App: s.purchasing, Log: s.log}.Register(mux)
	procports.HTTP{App: s.process, Log: s.log}.Register(mux)
}

// simulation drives the kitchen, warehouse and delivery through their
// applications, and seeds demo stock through inventory.
func (s *Service) simulation() *simulation.Simulation {
	addStock := func(ctx context.Context, ref, sku string, qty int) error {
		_, err := s.inventory.AddBatch(ctx, invapp.AddBatch{Ref: ref, SKU: sku, Qty: qty})
		if errors.Is(err, invdomain.ErrDuplicateBatch) {
			return nil // seeded before a restart
		}
		return err
	}
	return simulation.New(simulation.Config{MinDelay: s.opts.SimulateMinDelay, MaxDelay: s.opts.SimulateMaxDelay,
		Seeds: simulation.DefaultSeeds(), Log: s.log.With("module", "simulation")},
		simulation.Deps{Kitchen: s.kitchen, Warehouse: s.warehouse, Delivery: s.delivery, AddStock: addStock})
}
