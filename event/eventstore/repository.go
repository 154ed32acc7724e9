package eventstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/banchan/banchan/event"
)

// Store is what a repository needs: transactions, the log and migrations.
type Store interface {
	event.Store
	event.LogReader
	Migrate(ctx context.Context, component string, steps []string) error
}

// Config describes one aggregate type A.
type Config[A any] struct {
	// Kind names the aggregate type; snapshots are kept per kind and stream.
	Kind string
	// New returns the state of a stream that has no events yet.
	New func(stream string) A
	// Apply folds one event into the state.
	Apply func(a *A, e event.Envelope) error
	// SnapshotEvery takes a snapshot whenever a save crosses a multiple of
	// this many versions (0: never).
	SnapshotEvery int64
	// SnapshotSchema is the version of the state's JSON shape.
	SnapshotSchema int
	// Retries bounds Update's attempts after a concurrency conflict (default 10).
	Retries int
}

// Validate reports settings that cannot work.
func (c Config[A]) Validate() error {
	if c.Kind == "" || c.New == nil || c.Apply == nil {
		return errors.New("eventstore: Kind, New and Apply are required")
	}
	if c.SnapshotEvery < 0 || c.Retries < 0 {
		return errors.New("eventstore: SnapshotEvery and Retries must not be negative")
	}
	return nil
}

// Repository loads and saves aggregates of one type.
type Repository[A any] struct {
	cfg   Config[A]
	store Store
	stats Stats
}

// Stats counts a repository's work.
type Stats struct {
	Loads, SnapshotLoads, Replayed, Snapshots, Conflicts atomic.Int64
}

// Loaded is an aggregate's state at a version.
type Loaded[A any] struct {
	State   A
	Stream  string
	Version int64
	// SnapshotVersion is the version of the snapshot the load started from
	// (0: folded from the first event); Replayed counts the events folded.
	SnapshotVersion int64
	Replayed        int
}

// New builds a repository and creates the snapshot table.
func New[A any](ctx context.Context, cfg Config[A], store Store) (*Repository[A], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Retries == 0 {
		cfg.Retries = 10
	}
	if err := store.Migrate(ctx, "eventstore", migrations); err != nil {
		return nil, err
	}
	return &Repository[A]{cfg: cfg, store: store}, nil
}

// Stats returns the repository's counters.
func (r *Repository[A]) Stats() *Stats { return &r.stats }

// Load folds a stream: from its latest usable snapshot, then the events
// after it.
func (r *Repository[A]) Load(ctx context.Context, stream string) (Loaded[A], error) {
	return r.load(ctx, r.store.Read(), func(after int64) ([]event.Envelope, error) {
		return r.store.QueryLog(ctx, event.LogQuery{Stream: stream, AfterVersion: after, Limit: 1000})
	}, stream)
}

// LoadIn is Load inside tx, for a command that saves in tx: it sees the
// stream as tx does (see event.StreamReader), so on a single-writer store
// the save cannot meet a version conflict. A tx that cannot read streams
// falls back to Load.
func (r *Repository[A]) LoadIn(ctx context.Context, tx event.Tx, stream string) (Loaded[A], error) {
	sr, ok := tx.(event.StreamReader)
	if !ok {
		return r.Load(ctx, stream)
	}
	return r.load(ctx, tx, func(after int64) ([]event.Envelope, error) {
		return sr.ReadStream(ctx, stream, after, 1000)
	}, stream)
}

func (r *Repository[A]) load(ctx context.Context, q event.Querier, read func(after int64) ([]event.Envelope, error),
	stream string) (Loaded[A], error) {
	l := Loaded[A]{State: r.cfg.New(stream), Stream: stream}
	if err := r.loadSnapshot(ctx, q, &l); err != nil {
		return l, err
	}
	for {
		envs, err := read(l.Version)
		if err != nil {
			return l, fmt.Errorf("load %s: %w", stream, err)
		}
		for _, e := range envs {
			if err := r.cfg.Apply(&l.State, e); err != nil {
				return l, fmt.Errorf("load %s: apply %s at version %d: %w", stream, e.Type, e.Version, err)
			}
			l.Version = e.Version
		}
		l.Replayed += len(envs)
		if len(envs) < 1000 {
			break
		}
	}
	r.stats.Loads.Add(1)
	r.stats.Replayed.Add(int64(l.Replayed))
	return l, nil
}

// Save appends envs to l's stream at the versions after l.Version, folds
// them into l (so l is the new state) and snapshots it if the save crossed
// a SnapshotEvery boundary, all in tx. Another writer's append since the
// load fails it with event.ErrConcurrency.
func (r *Repository[A]) Save(ctx context.Context, tx event.Tx, l *Loaded[A], envs ...event.Envelope) error {
	from := l.Version
	for i := range envs {
		envs[i].Stream, envs[i].Version = l.Stream, from+int64(i)+1
		if err := r.cfg.Apply(&l.State, envs[i]); err != nil {
			return fmt.Errorf("save %s: apply %s: %w", l.Stream, envs[i].Type, err)
		}
	}
	if err := tx.Append(ctx, envs...); err != nil {
		return err
	}
	l.Version = from + int64(len(envs))
	if every := r.cfg.SnapshotEvery; every > 0 && l.Version/every > from/every {
		return r.saveSnapshot(ctx, tx, l)
	}
	return nil
}

// Update loads the stream, lets decide return the events the command
// raises on that state, and saves them; on a concurrency conflict it loads
// again and asks decide again, up to Retries times. It returns the new state.
func (r *Repository[A]) Update(ctx context.Context, stream string, decide func(a A) ([]event.Envelope, error)) (Loaded[A], error) {
	for attempt := 0; ; attempt++ {
		var l Loaded[A]
		err := r.store.Update(ctx, func(ctx context.Context, tx event.Tx) error {
			var err error
			if l, err = r.LoadIn(ctx, tx, stream); err != nil {
				return err
			}
			envs, err := decide(l.State)
			if err != nil || len(envs) == 0 {
				return err
			}
			return r.Save(ctx, tx, &l, envs...)
		})
		if !errors.Is(err, event.ErrConcurrency) || attempt >= r.cfg.Retries {
			return l, err
		}
		r.stats.Conflicts.Add(1)
	}
}
