// Package scm is the supply-chain service, a modular monolith of modules
// that never call each other directly: inventory (batches and allocation),
// kitchen (cook tasks), warehousing (receipts, pick and pack), delivery
// (carrier and delivery), purchasing (reorder points, purchase orders) and
// the order process manager (stages and deadlines). They react to each
// other's messages (internal/scm/messages) on one in-process bus, inside
// the transaction of the change that caused them, so that what must change
// together commits or rolls back together; only cross-service facts leave
// through the outbox (internal/scm/contract).
package scm

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/contract"
	dlvapp "github.com/banchan/banchan/internal/scm/delivery/app"
	invapp "github.com/banchan/banchan/internal/scm/inventory/app"
	kitapp "github.com/banchan/banchan/internal/scm/kitchen/app"
	procapp "github.com/banchan/banchan/internal/scm/process/app"
	purapp "github.com/banchan/banchan/internal/scm/purchasing/app"
	"github.com/banchan/banchan/internal/scm/simulation"
	whapp "github.com/banchan/banchan/internal/scm/warehousing/app"
)

// Name of the service (and of its subscription).
const Name = "scm"

// productCacheSize is how many products inventory keeps in memory when the
// store is this process's own (a product is a few hundred bytes plus its
// waiting lines).
const productCacheSize = 10000

// Migrator applies a component's schema steps.
type Migrator interface {
	Migrate(ctx context.Context, component string, steps []string) error
}

// Options tune the service. Zero values take the defaults.
type Options struct {
	// ReservationTTL is how long a cart's reservation holds stock (default 15m).
	ReservationTTL time.Duration
	// ExpiryInterval is how often expired reservations are released (default 1s).
	ExpiryInterval time.Duration
	// AllocationDeadline is how long an order may wait for its allocation
	// before FulfilmentDelayed is raised (default 10m).
	AllocationDeadline time.Duration
	// DeadlinePoll is how often due deadlines are fired (default 1s).
	DeadlinePoll time.Duration
	// Simulate runs the simulation: demo stock at start, and the kitchen,
	// warehouse and delivery steps taken by themselves (off by default).
	Simulate bool
	// SimulateMinDelay and SimulateMaxDelay bound the random delay before
	// each simulated step (defaults 300ms and 1.5s).
	SimulateMinDelay, SimulateMaxDelay time.Duration
	// Now is the clock (default time.Now in UTC); tests set it.
	Now func() time.Time
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ReservationTTL, 15*time.Minute)
	def(&o.ExpiryInterval, time.Second)
	def(&o.AllocationDeadline, 10*time.Minute)
	def(&o.DeadlinePoll, time.Second)
	def(&o.SimulateMinDelay, 300*time.Millisecond)
	def(&o.SimulateMaxDelay, 1500*time.Millisecond)
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
}

// Service is the wired SCM service. Its modules share one store and one
// in-process bus; they never call each other directly.
type Service struct {
	store      event.Store
	bus        *bus.Bus
	process    *procapp.App
	inventory  *invapp.App
	kitchen    *kitapp.App
	warehouse  *whapp.App
	delivery   *dlvapp.App
	purchasing *purapp.App
	sim        *simulation.Simulation
	opts       Options
	log        *slog.Logger
}

// New builds the service and migrates its modules' tables; with
// Options.Simulate it also seeds the demo batches (once).
func New(ctx context.Context, store event.Store, m Migrator, opts Options, log *slog.Logger) (*Service, error) {
	if err := migrate(ctx, m); err != nil {
		return nil, err
	}
	opts.defaults()
	if log == nil {
		log = slog.Default()
	}
	b := bus.New()
	s := &Service{store: store, bus: b, opts: opts, log: log}
	// The process manager subscribes first, so that it sees each order's
	// facts in the order they happen (handlers run in subscription order).
	s.process = procapp.New(store, b, opts.Now, opts.AllocationDeadline, log.With("module", "process"))
	s.inventory = invapp.New(store, b, log)
	s.inventory.ReservationTTL = opts.ReservationTTL
	s.inventory.SetClock(opts.Now)
	if ex, ok := store.(event.Exclusive); ok && ex.Exclusive() {
		s.inventory.CacheProducts(productCacheSize)
	}
	s.kitchen = kitapp.New(store, b, opts.Now, log.With("module", "kitchen"))
	s.warehouse = whapp.New(store, b, opts.Now, log.With("module", "warehousing"))
	s.delivery = dlvapp.New(store, b, opts.Now, log.With("module", "delivery"))
	s.purchasing = purapp.New(store, b, opts.Now, log.With("module", "purchasing"))
	if opts.Simulate {
		// Seeded before the service serves: the demo SKUs can be ordered
		// as soon as the process is ready.
		s.sim = s.simulation()
		if err := s.sim.Seed(ctx); err != nil {
			return nil, fmt.Errorf("scm simulation: %w", err)
		}
	}
	return s, nil
}

// Run does the service's background work until ctx ends: releasing
// expired cart reservations, firing missed fulfilment deadlines (both
// stored, so a restart neither loses nor doubles one) and, when enabled,
// the simulation.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	run := func(f func(context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx) }()
	}
	run(func(ctx context.Context) { s.inventory.RunExpiry(ctx, s.opts.ExpiryInterval) })
	run(func(ctx context.Context) { s.process.RunDeadlines(ctx, s.opts.DeadlinePoll) })
	if s.sim != nil {
		run(s.sim.Run)
	}
	wg.Wait()
}

// Inventory is the inventory module's application (for adapters wired by
// the composition root, such as the Redis channels).
func (s *Service) Inventory() *invapp.App { return s.inventory }

// Routes registers the HTTP API of every module.
func (s *Service) Routes(mux *http.ServeMux) { s.routes(mux) }

// Topics the service subscribes to.
func (s *Service) Topics() []string { return []string{contract.CommandTopic} }

// Bind registers the command handlers, each inbox-backed.
func (s *Service) Bind(c *event.Consumer) {
	for typ, h := range s.handlers(c.Name()) {
		c.Handle(typ, h)
	}
}

// handlers are the command handlers of a subscription: allocation goes to
// inventory, cancellation to the process manager, which decides it.
func (s *Service) handlers(subscription string) map[string]event.HandlerFunc {
	return map[string]event.HandlerFunc{
		contract.TypeAllocateFulfilmentOrder: event.WithInbox(s.store, subscription,
			event.Typed(s.inventory.AllocateFulfilmentOrder)),
		contract.TypeCancelFulfilmentOrder: event.WithInbox(s.store, subscription,
			event.Typed(s.process.CancelFulfilmentOrder)),
	}
}

// KnownSKU is the catalog query, for in-process callers wired by the
// composition root.
func (s *Service) KnownSKU(ctx context.Context, sku string) (bool, error) {
	return s.inventory.Known(ctx, sku)
}
