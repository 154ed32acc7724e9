package system

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/natsjs"
	"github.com/banchan/banchan/event/outbox"
	"github.com/banchan/banchan/event/postgres"
	"github.com/banchan/banchan/event/projection"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/operations"
	"github.com/banchan/banchan/internal/ordering"
	"github.com/banchan/banchan/internal/sales"
	"github.com/banchan/banchan/internal/scm"
	"github.com/banchan/banchan/internal/scm/inventory/redischan"
	"github.com/banchan/banchan/internal/scmadapter"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// service is what the composition root needs of every service.
type service interface {
	Topics() []string
	Bind(c *event.Consumer)
}

// System is one running process: its store, broker, relay, subscriptions
// and HTTP API.
type System struct {
	cfg       Config
	log       *slog.Logger
	store     *sqlstore.Store
	ns        *server.Server
	broker    *natsjs.Broker
	relay     *outbox.Relay
	consumers map[string]*event.Consumer
	mux       *http.ServeMux
	listener  net.Listener
	ready     atomic.Bool
	closers   []func() error
	// runners are the services' background loops, run until shutdown.
	runners []func(ctx context.Context)
	// redis is scm's Redis channels (nil without --redis-url).
	redis *redisChannels
	// counters are the services' own counters on /metrics, by component.
	counters map[string]operations.Counters
	// projections keeps the read models (nil when no service has one).
	projections *projection.Runner
	// remoteSCM is the scm service's REST catalog (nil when scm runs here).
	remoteSCM *httpCatalog
}

// New opens the store and the broker and wires the selected services. The
// HTTP listener is bound (so Addr is known) but not yet serving.
func New(ctx context.Context, cfg Config, log *slog.Logger) (_ *System, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &System{cfg: cfg, log: log, consumers: map[string]*event.Consumer{}, mux: http.NewServeMux()}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if err := s.openStore(ctx); err != nil {
		return nil, err
	}
	if err := s.openBroker(ctx); err != nil {
		return nil, err
	}
	if err := s.wire(ctx); err != nil {
		return nil, err
	}
	if cfg.InboxRetention > 0 {
		s.runners = append(s.runners, s.pruneInbox)
	}
	s.listener, err = net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return nil, fmt.Errorf("http: listen %s: %w", cfg.HTTP, err)
	}
	return s, nil
}

// Addr is the HTTP listener's address.
func (s *System) Addr() string { return s.listener.Addr().String() }

func (s *System) openStore(ctx context.Context) error {
	var err error
	if s.cfg.PostgresURL != "" {
		s.store, err = postgres.Open(ctx, s.cfg.PostgresURL, postgres.Options{Schema: s.cfg.PostgresSchema, Logger: s.log})
	} else {
		if err := os.MkdirAll(s.cfg.DataDir, 0o755); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		sync := ""
		if s.cfg.NoSync {
			sync = "OFF"
		}
		s.store, err = sqlite.Open(ctx, filepath.Join(s.cfg.DataDir, "banchan.db"),
			sqlite.Options{Logger: s.log, Synchronous: sync, NoGroupCommit: s.cfg.NoGroupCommit})
	}
	if err != nil {
		return err
	}
	s.closers = append(s.closers, s.store.Close)
	return nil
}

func (s *System) openBroker(ctx context.Context) error {
	bcfg := natsjs.Config{Stream: s.cfg.NATSStream, Prefix: s.cfg.NATSPrefix, Replicas: s.cfg.NATSReplicas,
		KeepMaxAge: s.cfg.NATSMaxAge == nil, KeepMaxBytes: s.cfg.NATSMaxBytes == nil, Logger: s.log}
	if s.cfg.NATSMaxAge != nil {
		bcfg.MaxAge = *s.cfg.NATSMaxAge
	}
	if s.cfg.NATSMaxBytes != nil {
		bcfg.MaxBytes = *s.cfg.NATSMaxBytes
	}
	var err error
	if s.cfg.NATSURL != "" {
		s.broker, err = natsjs.Connect(ctx, s.cfg.NATSURL, bcfg)
	} else {
		s.ns, err = natsjs.StartEmbedded(natsjs.EmbeddedOptions{StoreDir: filepath.Join(s.cfg.DataDir, "nats"),
			Listen: s.cfg.NATSListen, NoSync: s.cfg.NoSync})
		if err != nil {
			return err
		}
		s.closers = append(s.closers, func() error { s.ns.Shutdown(); s.ns.WaitForShutdown(); return nil })
		s.broker, err = natsjs.Connect(ctx, "", bcfg, nats.InProcessServer(s.ns))
	}
	if err != nil {
		return err
	}
	s.closers = append(s.closers, s.broker.Close)
	return nil
}

func (s *System) wire(ctx context.Context) error {
	var catalog catalogFunc
	services := map[string]service{}
	if s.cfg.Runs(scm.Name) {
		svc, err := scm.New(ctx, s.store, s.store, scm.Options{ReservationTTL: s.cfg.ReservationTTL,
			AllocationDeadline: s.cfg.AllocationDeadline, Simulate: s.cfg.Simulate,
			SimulateMinDelay: s.cfg.SimulateMinDelay, SimulateMaxDelay: s.cfg.SimulateMaxDelay},
			s.log.With("service", scm.Name))
		if err != nil {
			return err
		}
		s.runners = append(s.runners, svc.Run)
		s.counters = map[string]operations.Counters{"inventory": svc.Inventory()}
		if err := s.wireRedis(svc.Inventory()); err != nil {
			return err
		}
		svc.Routes(s.mux)
		services[scm.Name], catalog = svc, svc.KnownSKU
	}
	// The SCM's catalog (does the SCM know an item?), asked by the adapter
	// and, through the adapter's SKU mapping, by ordering: in process when
	// scm runs here, else over its REST API.
	var cat interface {
		Known(context.Context, string) (bool, error)
	} = &knownSKUs{next: catalog}
	if catalog == nil && s.cfg.SCMURL != "" {
		s.remoteSCM = newHTTPCatalog(s.cfg.SCMURL)
		cat = s.remoteSCM
	}
	if s.cfg.Runs(scmadapter.Name) {
		svc, err := scmadapter.New(ctx, s.store, s.store, cat, s.log.With("service", scmadapter.Name))
		if err != nil {
			return err
		}
		svc.Routes(s.mux)
		services[scmadapter.Name] = svc
	}
	if s.cfg.Runs(ordering.Name) {
		// Ordering takes a line when the adapter can pass it on: through
		// its SKU mapping (gift cards never reach the SCM) to an item the
		// SCM knows.
		skus, err := scmadapter.NewSKUs(ctx, s.store, s.store, unavailable{cat}, s.log.With("service", scmadapter.Name))
		if err != nil {
			return err
		}
		svc, err := ordering.New(ctx, s.store, s.store, skus, s.log.With("service", ordering.Name))
		if err != nil {
			return err
		}
		svc.Routes(s.mux)
		services[ordering.Name] = svc
	}
	if err := s.wireSales(ctx); err != nil {
		return err
	}
	for name, svc := range services {
		if err := s.subscribe(ctx, name, svc); err != nil {
			return err
		}
	}
	rcfg := outbox.Config{Logger: s.log.With("component", "relay")}
	if s.cfg.PostgresURL != "" {
		// Writers in other processes do not wake this relay: poll briskly.
		rcfg.Poll = 200 * time.Millisecond
	}
	relay, err := outbox.New(rcfg, s.store, s.store, s.broker)
	if err != nil {
		return err
	}
	s.relay = relay
	s.routes()
	return nil
}

// subscribe builds the consumer of a service's durable subscription and
// registers what it handles in the store, so that a relay (in this process
// or another sharing the store) knows what the subscription still waits for
// if the broker loses its data.
//
// The subscription is bound to the store (its identity): a process of the
// same service on another store, whose inbox and state the others never
// see, is refused instead of taking a share of the messages.
func (s *System) subscribe(ctx context.Context, name string, svc service) error {
	owner, err := s.store.ID(ctx)
	if err != nil {
		return err
	}
	c, err := event.NewConsumer(event.ConsumerConfig{Name: name, Topics: svc.Topics(), Workers: s.cfg.Workers,
		Owner: s.storeKind() + owner, TakeOver: s.cfg.TakeOverSubscriptions,
		AckWait: s.cfg.AckWait, MaxDeliveries: s.cfg.MaxDeliveries, BaseDelay: s.cfg.RetryBase,
		MaxDelay: s.cfg.RetryMax, Logger: s.log.With("service", name)}, s.broker, s.store)
	if err != nil {
		return err
	}
	svc.Bind(c)
	if err := s.store.RegisterSubscription(ctx, name, svc.Topics(), c.Types()); err != nil {
		return err
	}
	s.consumers[name] = c
	return nil
}

// storeKind starts the owner of this process's subscriptions: the store's
// engine (and schema), the same for every process sharing the store, so
// that a refusal says what the other processes run on.
func (s *System) storeKind() string {
	if s.cfg.PostgresURL != "" {
		return "postgres/" + s.cfg.PostgresSchema + "/"
	}
	return "sqlite/"
}

func (s *System) routes() {
	operations.DeadLetters{Store: s.store, Consumers: s.consumers, Redrivers: s.redis.redrivers(), Log: s.log}.Register(s.mux)
	operations.Events{Log: s.store, Out: s.log}.Register(s.mux)
	if s.projections != nil {
		operations.Projections{Runner: s.projections, Log: s.log}.Register(s.mux)
	}
	operations.Metrics{Consumers: s.consumers, Relay: s.relay, Store: s.store, Extra: s.extraCounters(),
		Projections: s.projections, Log: s.log}.Register(s.mux)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		web.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
}

// extraCounters are the services' and the Redis channels' counters.
func (s *System) extraCounters() map[string]operations.Counters {
	out := maps.Clone(s.counters)
	if out == nil {
		out = map[string]operations.Counters{}
	}
	maps.Copy(out, s.redis.counters())
	return out
}

func (s *System) readyz(w http.ResponseWriter, r *http.Request) {
	checks := map[string]string{"store": "ok", "broker": "ok", "subscriptions": "ok"}
	ok := true
	fail := func(k string, err error) { checks[k], ok = err.Error(), false }
	if err := s.store.Ping(r.Context()); err != nil {
		fail("store", err)
	}
	if err := s.broker.Ping(r.Context()); err != nil {
		fail("broker", err)
	}
	if !s.ready.Load() {
		fail("subscriptions", errors.New("starting"))
	}
	for name, c := range s.consumers {
		if !c.Running() {
			fail("subscriptions", fmt.Errorf("%s not running", name))
		}
	}
	if s.redis != nil {
		// Reported, not required: the API serves without Redis, the
		// line_allocated messages wait in the outbox and the subscriber
		// reconnects on its own.
		checks["redis"] = "ok"
		switch {
		case s.redis.standby.Load():
			checks["redis"] = "standby: another process is subscribed to " + redischan.ChangeBatchQuantityChannel
		case !s.redis.sub.Stats().Subscribed:
			checks["redis"] = "degraded: not subscribed to " + redischan.ChangeBatchQuantityChannel + " (reconnecting)"
		}
	}
	if s.remoteSCM != nil {
		// Reported, not required: reads and retries are served without it,
		// a new order's SKUs get 503 until it answers.
		// Briefly: a probe of its own readiness must not time out waiting.
		ctx, cancel := context.WithTimeout(r.Context(), 500*time.Millisecond)
		if err := s.remoteSCM.probe(ctx); err != nil {
			checks["scm"] = "degraded: " + err.Error()
		} else {
			checks["scm"] = "ok"
		}
		cancel()
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
	}
	web.JSON(w, status, map[string]any{"ready": ok, "checks": checks})
}

// runRelay publishes the outbox until ctx ends. Processes sharing a
// PostgreSQL log elect one relay among them; alone on SQLite there is no
// one to elect.
func (s *System) runRelay(ctx context.Context) error {
	if s.cfg.PostgresURL == "" {
		return s.relay.Run(ctx)
	}
	// Advisory locks span the database: name the role after the schema, so
	// deployments in other schemas of the same database elect their own.
	leader := postgres.NewLeader(s.store.DB(), "outbox-relay/"+s.cfg.PostgresSchema, s.log.With("component", "relay"))
	return leader.Run(ctx, s.relay.Run)
}

// wireSales builds the sales read models and the runner that keeps them.
// Processes sharing a PostgreSQL log elect one runner among them; every one
// of them serves the read API.
func (s *System) wireSales(ctx context.Context) error {
	if !s.cfg.Runs(sales.Name) {
		return nil
	}
	log := s.log.With("service", sales.Name)
	svc, err := sales.New(ctx, s.store, s.store, log)
	if err != nil {
		return err
	}
	pcfg := projection.Config{Logger: log}
	if s.cfg.PostgresURL != "" {
		pcfg.Poll = 200 * time.Millisecond
	}
	s.projections, err = projection.New(ctx, pcfg, s.store, svc.Projections()...)
	if err != nil {
		return err
	}
	svc.Routes(s.mux)
	run := s.projections.Run
	if s.cfg.PostgresURL != "" {
		leader := postgres.NewLeader(s.store.DB(), "projections/"+s.cfg.PostgresSchema, log)
		run = func(ctx context.Context) error { return leader.Run(ctx, s.projections.Run) }
	}
	s.runners = append(s.runners, func(ctx context.Context) {
		if err := run(ctx); err != nil && ctx.Err() == nil {
			log.Error("projections stopped", "err", err)
		}
	})
	return nil
}

// Subscriptions lists the names of this process's subscriptions.
func (s *System) Subscriptions() []string {
	names := make([]string, 0, len(s.consumers))
	for n := range s.consumers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// close releases what New opened, in reverse order.
func (s *System) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil {
			s.log.Warn("close", "err", err)
		}
	}
	s.closers = nil
}

// Store is the process's event store (for tests and tools).
func (s *System) Store() *sqlstore.Store { return s.store }

// Broker is the process's broker (for tests and tools).
func (s *System) Broker() *natsjs.Broker { return s.broker }
