package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/banchan/banchan/event"
)

// Options configure a Store.
type Options struct {
	// GroupCommit queues every Update to one writer that commits many at once.
	GroupCommit bool
	// MaxBatch bounds the functions in one group commit (default 256).
	MaxBatch int
	// Sync, with GroupCommit, makes committed transactions durable (an
	// fsync of the engine's log) when the engine's own commit does not.
	// The writer then runs the next batch while the last one is being
	// synced, and answers a batch only once it is durable. Readers may see
	// a commit a sync early; DurablePosition says how far the log is on
	// disk, and the outbox relay publishes no further.
	Sync func() error
	// AfterClose, if set, runs when Close has stopped the writer and closed
	// the databases (to release what Sync holds).
	AfterClose func() error
	// Exclusive says that no other process writes the database (an
	// embedded file); see event.Exclusive.
	Exclusive bool
	// PrepareReads runs Read's queries through prepared statements kept per
	// query text, for a driver that does not cache them itself (SQLite's;
	// pgx does).
	PrepareReads bool
	// Logger receives the store's own errors (default slog.Default()).
	Logger *slog.Logger
}

// Store implements event.Store, event.Log, event.Checkpoints and
// event.DeadLetterStore.
type Store struct {
	d      Dialect
	db     *sql.DB // writes (and reads when reader is nil)
	reader *sql.DB
	reads  rawQuerier // the reader, or its prepared statements (PrepareReads)
	opts   Options
	log    *slog.Logger

	jobs    chan job
	quit    chan struct{}
	stopped chan struct{} // closed when the writer has exited
	wg      sync.WaitGroup

	// durable is the last log position known to be durable (with
	// Options.Sync); broken is the error that stopped the writes.
	durable atomic.Int64
	broken  atomic.Pointer[error]

	notifyMu sync.Mutex
	appended chan struct{}

	stats commitStats
	// heads is the writer's memory of stream versions (group commit on an
	// exclusive store; see streamHeads).
	heads *streamHeads

	closeOnce sync.Once
}

type job struct {
	ctx  context.Context
	fn   func(context.Context, event.Tx) error
	done chan error
}

// New wraps open databases: db for writes, reader (may be nil) for reads.
// It creates the toolkit's tables.
func New(ctx context.Context, d Dialect, db, reader *sql.DB, opts Options) (*Store, error) {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if reader == nil {
		reader = db
	}
	s := &Store{d: d, db: db, reader: reader, reads: reader, opts: opts, log: opts.Logger,
		quit: make(chan struct{}), stopped: make(chan struct{}), appended: make(chan struct{})}
	if opts.PrepareReads {
		s.reads = newReadCache(reader)
	}
	if opts.GroupCommit {
		conn, err := db.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: writer connection: %w", d.Name, err)
		}
		s.jobs = make(chan job, opts.MaxBatch*4)
		if opts.Exclusive {
			s.heads = newStreamHeads(maxStreamHeads)
		}
		s.wg.Add(1)
		go s.writer(conn)
	}
	if err := s.Migrate(ctx, "event", d.Schema); err != nil {
		_ = s.Close()
		return nil, err
	}
	if opts.GroupCommit && opts.Sync != nil {
		if err := s.initDurable(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// ID is the store's identity: made once, when its tables were created,
// and the same for every process that opens it, so that processes can
// tell whether they share one store (see event.SubscribeOptions.Owner). A
// copy restored from a backup keeps it; a database made anew has another.
func (s *Store) ID(ctx context.Context) (string, error) {
	var id string
	if err := s.reader.QueryRowContext(ctx, `SELECT id FROM event_store`).Scan(&id); err != nil {
		return "", fmt.Errorf("%s: store identity: %w", s.d.Name, err)
	}
	return id, nil
}

// Exclusive reports whether this process is the database's only writer.
func (s *Store) Exclusive() bool { return s.opts.Exclusive }

// DB returns the write database handle.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the engine's dialect.
func (s *Store) Dialect() Dialect { return s.d }

// Rebind rewrites ? placeholders for the engine.
func (s *Store) Rebind(q string) string { return s.d.Rebind(q) }

// Read returns a Querier over the read pool.
func (s *Store) Read() event.Querier { return rebinder{q: s.reads, d: s.d} }

// View runs fn in a read-only transaction on the read pool; see
// event.Store.
func (s *Store) View(ctx context.Context, fn func(context.Context, event.Querier) error) error {
	sqlTx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: s.d.ViewIsolation})
	if err != nil {
		return fmt.Errorf("%s: begin view: %w", s.d.Name, err)
	}
	defer func() { _ = sqlTx.Rollback() }() // read-only: nothing to commit
	return fn(ctx, rebinder{q: sqlTx, d: s.d})
}

// Ping checks the connection.
func (s *Store) Ping(ctx context.Context) error { return s.reader.PingContext(ctx) }

// Close stops the writer and closes the databases.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.quit)
		s.wg.Wait()
		if c, ok := s.reads.(*readCache); ok {
			c.close()
		}
		err = s.db.Close()
		if s.reader != s.db {
			err = errors.Join(err, s.reader.Close())
		}
		if s.opts.AfterClose != nil {
			err = errors.Join(err, s.opts.AfterClose())
		}
	})
	return err
}

// Appended is closed after the next commit that appended envelopes.
func (s *Store) Appended() <-chan struct{} {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	return s.appended
}

func (s *Store) notifyAppended() {
	s.notifyMu.Lock()
	close(s.appended)
	s.appended = make(chan struct{})
	s.notifyMu.Unlock()
}

// Update runs fn in a transaction; see event.Store.
func (s *Store) Update(ctx context.Context, fn func(context.Context, event.Tx) error) error {
	if !s.opts.GroupCommit {
		return s.updateTx(ctx, fn)
	}
	if err := s.brokenErr(); err != nil {
		return err
	}
	j := job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	start := time.Now()
	select {
	case s.jobs <- j:
	case <-s.quit:
		return event.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	defer s.stats.waited(start)
	// Once queued, the job is always answered (committed, rolled back or
	// failed), so wait for that: returning early would hide a commit. Only
	// a job queued as the writer stopped is never taken: once the writer
	// has exited it cannot be running.
	select {
	case err := <-j.done:
		return err
	case <-s.stopped:
		select {
		case err := <-j.done:
			return err
		default:
			return event.ErrClosed
		}
	}
}

func (s *Store) updateTx(ctx context.Context, fn func(context.Context, event.Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", s.d.Name, err)
	}
	g := &guarded{q: sqlTx, s: s, exec: func(ctx context.Context, statement string) error {
		_, err := sqlTx.ExecContext(ctx, statement)
		return err
	}}
	t := &tx{rebinder: rebinder{q: g, d: s.d}, s: s}
	err = runSafe(ctx, fn, t)
	if g.broken != nil {
		err = g.broken
	}
	if err != nil {
		_ = sqlTx.Rollback()
		return s.conflict(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return s.conflict(fmt.Errorf("%s: commit: %w", s.d.Name, err))
	}
	if t.appended {
		s.notifyAppended()
	}
	return nil
}

// conflict marks an error the engine gives a transaction that lost to a
// concurrent one as event.ErrConcurrency, keeping the engine's error.
func (s *Store) conflict(err error) error {
	if s.d.Conflict == nil || errors.Is(err, event.ErrConcurrency) || !s.d.Conflict(err) {
		return err
	}
	return fmt.Errorf("%w: %w", event.ErrConcurrency, err)
}

// runSafe runs fn and turns a panic into an error, so that one bad function
// cannot take the writer (and every queued caller) down.
func runSafe(ctx context.Context, fn func(context.Context, event.Tx) error, t *tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in transaction: %v", r)
		}
	}()
	return fn(ctx, t)
}

// Migrate runs the steps of component not yet applied, in order, each in its
// own transaction together with its record in schema_migrations. Concurrent
// migrators (several processes starting at once) are serialised.
func (s *Store) Migrate(ctx context.Context, component string, steps []string) error {
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		// Under the lock the steps take: processes starting together on a
		// fresh database would otherwise race to create the table, and
		// PostgreSQL fails the loser (a duplicate pg_type row) rather
		// than see "IF NOT EXISTS".
		if s.d.LockAppend != "" {
			if _, err := tx.ExecContext(ctx, s.d.LockAppend); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			component TEXT NOT NULL, step INTEGER NOT NULL, applied_at TEXT NOT NULL,
			PRIMARY KEY (component, step))`)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: migrations table: %w", s.d.Name, err)
	}
	for i, step := range steps {
		err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
			return s.migrateStep(ctx, tx, component, i+1, step)
		})
		if err != nil {
			return fmt.Errorf("%s: migrate %s step %d: %w", s.d.Name, component, i+1, err)
		}
	}
	return nil
}

func (s *Store) migrateStep(ctx context.Context, tx event.Tx, component string, n int, step string) error {
	if s.d.LockAppend != "" {
		if _, err := tx.ExecContext(ctx, s.d.LockAppend); err != nil {
			return err
		}
	}
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE component = ? AND step = ?`,
		component, n).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, step); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (component, step, applied_at) VALUES (?, ?, ?)`,
		component, n, time.Now().UTC().Format(time.RFC3339Nano))
	return err
}
