package projection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/banchan/banchan/event"
)

// Config tunes a Runner.
type Config struct {
	// Batch is the most envelopes applied in one transaction (default 2000).
	Batch int
	// Window bounds the log positions one read scans (default 50 × Batch),
	// so that a read filtered by type costs the same on every engine.
	Window int64
	// Poll is how often the runner looks for commits it was not told of,
	// such as those of other processes (default 1s).
	Poll time.Duration
	// Settle is the least time between two reads of the log once caught up
	// (default 20ms): commits arriving meanwhile are read together, rather
	// than one read per commit per projection.
	Settle time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives progress and errors (default slog.Default()).
	Logger *slog.Logger
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	if c.Batch < 0 || c.Window < 0 || c.Poll < 0 || c.Settle < 0 {
		return errors.New("projection: batch, window, poll and settle must not be negative")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Batch == 0 {
		c.Batch = 2000
	}
	if c.Window == 0 {
		c.Window = 50 * int64(c.Batch)
	}
	if c.Poll == 0 {
		c.Poll = time.Second
	}
	if c.Settle == 0 {
		c.Settle = 20 * time.Millisecond
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Runner keeps projections up to date with the log and runs their rebuilds.
type Runner struct {
	cfg     Config
	store   Store
	projs   []Projection
	byName  map[string]Projection
	wake    map[string]chan struct{}
	mu      sync.Mutex
	stats   map[string]*Stats
	scanned map[string]scan
}

// Stats counts a projection's work in this process.
type Stats struct {
	Applied  int64 `json:"applied"`
	Batches  int64 `json:"batches"`
	Failures int64 `json:"failures"`
}

// New migrates the runner's table and registers projections; each one seen
// for the first time gets a live generation at position 0.
func New(ctx context.Context, cfg Config, store Store, projs ...Projection) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Runner{cfg: cfg.withDefaults(), store: store, byName: map[string]Projection{},
		wake: map[string]chan struct{}{}, stats: map[string]*Stats{}, scanned: map[string]scan{}}
	if err := store.Migrate(ctx, "projection", migrations); err != nil {
		return nil, err
	}
	for _, p := range projs {
		name := p.Name()
		if err := validName(name); err != nil {
			return nil, err
		}
		if r.byName[name] != nil {
			return nil, fmt.Errorf("projection %s registered twice", name)
		}
		err := store.Update(ctx, func(ctx context.Context, tx event.Tx) error {
			return ensureLive(ctx, tx, name, r.cfg.Now())
		})
		if err != nil {
			return nil, fmt.Errorf("projection %s: %w", name, err)
		}
		r.projs, r.byName[name] = append(r.projs, p), p
		r.wake[name], r.stats[name] = make(chan struct{}, 1), &Stats{}
	}
	return r, nil
}

// Run applies the log to every projection until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, p := range r.projs {
		wg.Go(func() { r.follow(ctx, p) })
	}
	wg.Wait()
	return nil
}

func (r *Runner) follow(ctx context.Context, p Projection) {
	failures := 0
	for ctx.Err() == nil {
		appended := r.store.Appended()
		started := time.Now()
		busy, err := r.step(ctx, p)
		wait := r.cfg.Poll
		switch {
		case err != nil && ctx.Err() == nil:
			failures++
			r.count(p.Name(), func(s *Stats) { s.Failures++ })
			wait = backoff(failures)
			r.cfg.Logger.Warn("projection step failed", "projection", p.Name(), "err", err, "retry_in", wait)
			sleep(ctx, wait)
			continue
		case busy:
			failures = 0
			continue
		default:
			failures = 0
		}
		select {
		case <-ctx.Done():
		case <-appended:
			// Let the commits that follow this one join the next read.
			sleep(ctx, r.cfg.Settle-time.Since(started))
		case <-r.wake[p.Name()]:
		case <-time.After(wait):
		}
	}
}

func backoff(failures int) time.Duration {
	d := 100 * time.Millisecond << min(failures, 6)
	return min(d, 5*time.Second)
}

func (r *Runner) count(name string, f func(*Stats)) {
	r.mu.Lock()
	f(r.stats[name])
	r.mu.Unlock()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
