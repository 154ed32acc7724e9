// Package simulation plays the kitchen's cooks, the warehouse's pickers
// and packers and the carriers, so that a newcomer sees orders flow to
// DELIVERED without an operator: it seeds demo stock (Seed), then (Run)
// finds open work
// in the stores (pending and cooking tasks, shipments to pick and pack,
// deliveries to ship and deliver) and performs each step after a random
// delay, through the same application commands as the HTTP endpoints.
//
// It keeps nothing that matters in memory: after a restart it finds the
// same work in the store and goes on. A step an operator (or another
// process) took first fails with a conflict, which is skipped.
package simulation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/banchan/banchan/internal/scm/messages"
)

// Carrier is the carrier the simulation ships with.
const Carrier = "SIM-EXPRESS"

// Seed is a demo batch added at start (once: a batch that exists already
// is left alone).
type Seed struct {
	Ref string
	SKU string
	Qty int
}

// DefaultSeeds are the demo batches: 500 units each of four banchan.
func DefaultSeeds() []Seed {
	var out []Seed
	for _, sku := range []string{"KIMCHI-500G", "JAPCHAE-300G", "BULGOGI-1KG", "MANDU-1KG"} {
		out = append(out, Seed{Ref: "sim-" + sku, SKU: sku, Qty: 500})
	}
	return out
}

// Config tunes the simulation.
type Config struct {
	// MinDelay and MaxDelay bound the random delay before each step
	// (defaults 300ms and 1.5s).
	MinDelay, MaxDelay time.Duration
	// Poll is how often the stores are looked at (default a quarter of
	// MinDelay, between 5ms and 100ms).
	Poll  time.Duration
	Seeds []Seed
	Log   *slog.Logger
}

func (c *Config) defaults() {
	if c.MinDelay <= 0 {
		c.MinDelay = 300 * time.Millisecond
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = 1500 * time.Millisecond
	}
	c.MaxDelay = max(c.MaxDelay, c.MinDelay)
	if c.Poll <= 0 {
		c.Poll = min(max(c.MinDelay/4, 5*time.Millisecond), 100*time.Millisecond)
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// Simulation drives open work forward; see the package comment.
type Simulation struct {
	cfg  Config
	deps Deps
	due  map[string]time.Time // step key → when to take it
}

// New builds a simulation over the modules' applications.
func New(cfg Config, deps Deps) *Simulation {
	cfg.defaults()
	return &Simulation{cfg: cfg, deps: deps, due: map[string]time.Time{}}
}

// Run drives work until ctx ends.
func (s *Simulation) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Seed adds the demo batches that do not exist yet (a restart adds
// nothing). Call it before serving, so that the demo SKUs can be ordered
// at once.
func (s *Simulation) Seed(ctx context.Context) error {
	for _, b := range s.cfg.Seeds {
		if err := s.deps.AddStock(ctx, b.Ref, b.SKU, b.Qty); err != nil {
			return fmt.Errorf("seed %s: %w", b.Ref, err)
		}
	}
	return nil
}

// Tick looks at the open work once: a step seen for the first time is
// scheduled after a random delay, a step due is taken.
func (s *Simulation) Tick(ctx context.Context) {
	steps, err := s.steps(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.cfg.Log.Warn("simulation: find work", "err", err)
		}
		return
	}
	now, seen := time.Now(), map[string]bool{}
	for _, st := range steps {
		seen[st.key] = true
		due, ok := s.due[st.key]
		if !ok {
			s.due[st.key] = now.Add(s.delay())
			continue
		}
		if now.Before(due) {
			continue
		}
		delete(s.due, st.key)
		s.take(ctx, st)
	}
	for k := range s.due {
		if !seen[k] {
			delete(s.due, k) // done by someone else, or cancelled
		}
	}
}

func (s *Simulation) take(ctx context.Context, st step) {
	err := st.do(ctx)
	switch {
	case err == nil:
		s.cfg.Log.Debug("simulation: step", "step", st.key)
	case errors.Is(err, messages.ErrConflict), errors.Is(err, messages.ErrNotFound):
		s.cfg.Log.Debug("simulation: step taken by someone else", "step", st.key, "err", err)
	case ctx.Err() == nil:
		s.cfg.Log.Warn("simulation: step failed", "step", st.key, "err", err)
	}
}

func (s *Simulation) delay() time.Duration {
	spread := s.cfg.MaxDelay - s.cfg.MinDelay
	if spread <= 0 {
		return s.cfg.MinDelay
	}
	return s.cfg.MinDelay + rand.N(spread)
}

// step is one piece of open work: key names it with its status.
type step struct {
	key string
	do  func(ctx context.Context) error
}

// trackingNumber makes up a carrier's tracking number.
func trackingNumber() string { return fmt.Sprintf("SIM%010d", rand.Int64N(10_000_000_000)) }
