// Package app is the order process manager: it follows each fulfilment
// order from the facts the other modules state on the bus, keeps its stage
// and history, watches its deadlines and decides cancellations. An order
// not allocated within the allocation deadline raises FulfilmentDelayed,
// once; deadlines are stored, so a restart neither loses nor repeats them.
// A cancellation is refused once the parcel has shipped; before that, the
// process states FulfilmentCancelled on the bus and every module undoes
// its part in the same transaction.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/process/adapters"
	"github.com/banchan/banchan/internal/scm/process/domain"
)

// App is the process manager.
type App struct {
	store event.Store
	bus   *bus.Bus
	repo  adapters.Processes
	now   func() time.Time
	log   *slog.Logger
	// allocationDeadline is how long an accepted order may wait for its
	// allocation before it is reported delayed.
	allocationDeadline time.Duration
}

// New builds the process manager and subscribes its bus handlers. It must
// subscribe before the other modules, so that it sees an order's facts in
// the order they happen.
func New(store event.Store, b *bus.Bus, now func() time.Time, allocationDeadline time.Duration, log *slog.Logger) *App {
	a := &App{store: store, bus: b, now: now, log: log, allocationDeadline: allocationDeadline}
	bus.Subscribe(b, a.accepted)
	bus.Subscribe(b, a.allocated)
	bus.Subscribe(b, a.backordered)
	bus.Subscribe(b, a.progressed)
	return a
}

// accepted starts an order's process and its allocation deadline. An
// order known already (seen, or cancelled before it came) is left alone.
func (a *App) accepted(ctx context.Context, tx event.Tx, m messages.FulfilmentAccepted) error {
	p, found, err := a.repo.Load(ctx, tx, m.OrderID)
	if err != nil || found {
		return err
	}
	p.Correlation = m.Origin.Correlation()
	if _, err := p.Reach(messages.StageAccepted, m.At); err != nil {
		return err
	}
	if err := a.repo.Save(ctx, tx, p); err != nil {
		return err
	}
	d := domain.Deadline{OrderID: m.OrderID, Stage: messages.StageAllocation, DueAt: m.At.Add(a.allocationDeadline),
		CorrelationID: p.Correlation}
	if m.Origin.Cause != nil {
		d.CausationID = m.Origin.Cause.ID
	}
	return a.repo.SetDeadline(ctx, tx, d)
}

func (a *App) allocated(ctx context.Context, tx event.Tx, m messages.FulfilmentAllocated) error {
	return a.advance(ctx, tx, m.OrderID, messages.StageAllocated, m.At, m.Origin)
}

func (a *App) backordered(ctx context.Context, tx event.Tx, m messages.FulfilmentBackordered) error {
	return a.advance(ctx, tx, m.OrderID, messages.StageBackordered, m.At, m.Origin)
}

func (a *App) progressed(ctx context.Context, tx event.Tx, m messages.Progressed) error {
	return a.advance(ctx, tx, m.OrderID, m.Stage, m.At, m.Origin)
}

// advance records that an order reached a stage, and clears the deadlines
// the stage meets. An order whose process is unknown (allocated before the
// process manager was deployed) starts one.
func (a *App) advance(ctx context.Context, tx event.Tx, orderID, stage string, at time.Time, o messages.Origin) error {
	p, found, err := a.repo.Load(ctx, tx, orderID)
	if err != nil {
		return err
	}
	if !found {
		p.Correlation = o.Correlation()
	}
	allocation := p.Allocation
	moved, err := p.Reach(stage, at)
	if err != nil {
		return err
	}
	if moved || allocation != p.Allocation || !found {
		if err := a.repo.Save(ctx, tx, p); err != nil {
			return err
		}
	}
	if p.Terminal() && !moved {
		return nil
	}
	stages, all := domain.Cleared(stage)
	return a.repo.ClearDeadlines(ctx, tx, orderID, stages, all)
}
