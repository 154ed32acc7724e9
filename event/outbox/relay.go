// Package outbox relays committed envelopes from the event log to the broker,
// in log order. The relay wakes as soon as a commit appends to the log (with
// a slow poll as a safety net for writers in other processes), publishes a
// batch, waits for the broker's acknowledgements and only then advances its
// checkpoint; after a crash it resumes from the checkpoint. Envelopes
// published twice that way carry the same id, which the broker deduplicates
// and consumers' inboxes ignore.
//
// A broker that can tell the incarnation of its storage (an Epoch method,
// as natsjs.Broker has) lets the relay notice on resume that it lost its
// data; the relay then republishes from the log what subscriptions have not
// yet acknowledged (the log's event.Backlog; without one, the whole log up
// to the checkpoint) before it goes on from the checkpoint. A broker that
// numbers its messages (Acknowledged and LastSequence, as natsjs.Broker)
// lets it notice the loss of only the last messages too: the relay records
// the number of the last one it published with its checkpoint, and a
// broker that holds less on resume is given the same republication. So an
// embedded broker need not fsync every message: the log is the record.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/banchan/banchan/event"
)

// Config configures a Relay.
type Config struct {
	// Name of the relay's checkpoint (default "outbox-relay").
	Name string
	// Batch is the most envelopes published at once (default 256).
	Batch int
	// Poll is how often the log is checked without a commit signal (default 1s).
	Poll time.Duration
	// MaxBackoff caps the wait after a failed publish (default 5s).
	MaxBackoff time.Duration
	Logger     *slog.Logger
}

func (c *Config) defaults() {
	if c.Name == "" {
		c.Name = "outbox-relay"
	}
	if c.Batch <= 0 {
		c.Batch = 256
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// durableLog is a log whose last commits may be visible before they are
// durable (as sqlstore.Store with a deferred sync): the relay publishes
// only up to DurablePosition.
type durableLog interface {
	DurablePosition() int64
}

// Relay publishes the log to a broker.
type Relay struct {
	cfg         Config
	log         event.Log
	cp          event.Checkpoints
	pub         event.Publisher
	position    atomic.Int64
	published   atomic.Int64
	republished atomic.Int64
	resumed     atomic.Bool // position has been loaded from the checkpoint
}

// New builds a relay.
func New(cfg Config, log event.Log, cp event.Checkpoints, pub event.Publisher) (*Relay, error) {
	cfg.defaults()
	if log == nil || cp == nil || pub == nil {
		return nil, errors.New("outbox: relay needs a log, checkpoints and a publisher")
	}
	return &Relay{cfg: cfg, log: log, cp: cp, pub: pub}, nil
}

// Position is the last log position known to be published.
func (r *Relay) Position() int64 { return r.position.Load() }

// Published counts envelopes published since start.
func (r *Relay) Published() int64 { return r.published.Load() }

// Republished counts envelopes republished since start because the broker
// had lost its data.
func (r *Relay) Republished() int64 { return r.republished.Load() }

// Run relays until ctx is done, then makes one last attempt to publish what
// is committed (bounded by a short timeout).
func (r *Relay) Run(ctx context.Context) error {
	if err := r.resumeRetrying(ctx); err != nil {
		return err
	}
	backoff := 50 * time.Millisecond
	for {
		wake := r.log.Appended()
		n, err := r.flushOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.cfg.Logger.Warn("outbox relay: publish failed, will retry", "err", err, "in", backoff)
			if !sleep(ctx, backoff) {
				break
			}
			backoff = min(backoff*2, r.cfg.MaxBackoff)
			continue
		}
		backoff = 50 * time.Millisecond
		if n == r.cfg.Batch {
			continue
		}
		select {
		case <-wake:
		case <-time.After(r.cfg.Poll):
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return r.Flush(fctx)
}

// Flush publishes everything committed so far, from the checkpoint on.
func (r *Relay) Flush(ctx context.Context) error {
	if !r.resumed.Load() {
		if err := r.resume(ctx); err != nil {
			return err
		}
	}
	for {
		n, err := r.flushOnce(ctx)
		if err != nil {
			return err
		}
		if n < r.cfg.Batch {
			return nil
		}
	}
}

// resumeRetrying resumes, retrying with backoff while the store or the
// broker fails, until ctx ends.
func (r *Relay) resumeRetrying(ctx context.Context) error {
	backoff := 50 * time.Millisecond
	for {
		err := r.resume(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		r.cfg.Logger.Warn("outbox relay: resume failed, will retry", "err", err, "in", backoff)
		if !sleep(ctx, backoff) {
			return err
		}
		backoff = min(backoff*2, r.cfg.MaxBackoff)
	}
}

// resume starts from the checkpoint, where the last relay of this name
// stopped; without it a fresh relay would publish the whole log again. If
// the broker lost its data since, what lies before the checkpoint and is
// not yet acknowledged is published again first.
func (r *Relay) resume(ctx context.Context) error {
	pos, err := r.cp.Checkpoint(ctx, r.cfg.Name)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if err := r.recover(ctx, pos); err != nil {
		return err
	}
	r.position.Store(pos)
	r.resumed.Store(true)
	return nil
}

func (r *Relay) flushOnce(ctx context.Context) (int, error) {
	pos := r.position.Load()
	envs, err := r.log.ReadLog(ctx, pos, r.cfg.Batch)
	if err != nil || len(envs) == 0 {
		return 0, err
	}
	if dl, ok := r.log.(durableLog); ok {
		// What is committed but not yet on disk waits: its commit signal
		// comes once it is.
		durable := dl.DurablePosition()
		i := len(envs)
		for i > 0 && envs[i-1].Position > durable {
			i--
		}
		if envs = envs[:i]; len(envs) == 0 {
			return 0, nil
		}
	}
	if err := r.pub.Publish(ctx, envs...); err != nil {
		return 0, err
	}
	last := envs[len(envs)-1].Position
	// The broker has the batch: record that even if ctx is cancelled right
	// now (Run stopping), or the final flush would publish it again.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := r.checkpoint(cctx, last); err != nil {
		return 0, err
	}
	r.position.Store(last)
	r.published.Add(int64(len(envs)))
	return len(envs), nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
