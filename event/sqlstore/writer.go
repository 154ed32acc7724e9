package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
)

// ErrNotDurable reports that the store could not make a commit durable
// (its Sync failed). The store takes no more writes: what the engine kept
// of that commit after a failed fsync is unknown.
var ErrNotDurable = errors.New("commit not durable")

// committed is a batch committed but not yet answered: it waits for Sync.
type committed struct {
	batch    []job
	results  []error
	appended bool
	head     int64 // the log's last position after the batch, if appended
}

// writer runs the queued functions in batches, one transaction each. With
// Options.Sync the commits are pipelined: while one batch is being synced,
// the next runs in an open transaction that takes every function queued
// meanwhile, and commits once the sync is done (or the batch is full).
func (s *Store) writer(conn *sql.Conn) {
	defer s.wg.Done()
	defer close(s.stopped)
	defer conn.Close()
	cache := newStmtCache(conn)
	defer cache.close()
	var toSync chan committed
	free := make(chan struct{}, 1) // a token while the syncer is idle
	free <- struct{}{}
	if s.opts.Sync != nil {
		toSync = make(chan committed, 1)
		done := make(chan struct{})
		go s.syncer(toSync, free, done)
		defer func() { close(toSync); <-done }()
	}
	for {
		var first job
		select {
		case first = <-s.jobs:
		case <-s.quit:
			s.drainClosed()
			return
		}
		c, ok := s.runBatch(cache, first, free)
		if !ok {
			continue // answered already (failed)
		}
		if toSync == nil {
			s.answer(c)
			continue
		}
		toSync <- c
	}
}

// runBatch runs first and whatever else is queued in one transaction and
// commits it. ok is false when the batch failed as a whole and has been
// answered. With a syncer, the batch holds the free token on return.
func (s *Store) runBatch(conn *stmtCache, first job, free chan struct{}) (c committed, ok bool) {
	ctx := context.Background()
	start := time.Now()
	c.batch = []job{first}
	if err := conn.execStatement(ctx, s.d.Begin); err != nil {
		s.fail(c.batch, fmt.Errorf("%s: begin: %w", s.d.Name, err))
		return c, false
	}
	haveToken := s.opts.Sync == nil
	run := func(j job) bool {
		if err := j.ctx.Err(); err != nil {
			c.results = append(c.results, err)
			return true
		}
		didAppend, ok, err := s.runInSavepoint(ctx, conn, j)
		c.results = append(c.results, err)
		c.appended = c.appended || didAppend
		return ok
	}
	abandon := func(err error) (committed, bool) {
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
		if s.heads != nil {
			s.heads.reset() // it may hold the batch's appends
		}
		s.fail(c.batch, err)
		s.releaseIfHeld(free, haveToken)
		return c, false
	}
	if !run(first) {
		return abandon(c.results[0])
	}
	for {
		// Everything queued now joins the batch.
		for len(c.batch) < s.opts.MaxBatch {
			var j job
			select {
			case j = <-s.jobs:
			default:
			}
			if j.fn == nil {
				break
			}
			c.batch = append(c.batch, j)
			if !run(j) {
				return abandon(c.results[len(c.results)-1])
			}
		}
		if haveToken || len(c.batch) >= s.opts.MaxBatch {
			break
		}
		// The syncer is still busy with the last batch: go on taking
		// functions until it is free, then commit.
		select {
		case <-free:
			haveToken = true
		case j := <-s.jobs:
			c.batch = append(c.batch, j)
			if !run(j) {
				return abandon(c.results[len(c.results)-1])
			}
		}
	}
	if c.appended && s.opts.Sync != nil {
		if err := conn.queryRowStatement(ctx, `SELECT COALESCE(MAX(position), 0) FROM event_log`).Scan(&c.head); err != nil {
			return abandon(fmt.Errorf("%s: log head: %w", s.d.Name, err))
		}
	}
	if !haveToken {
		<-free // a full batch waits for the syncer before committing
		haveToken = true
	}
	if err := s.brokenErr(); err != nil {
		// The last sync failed while this batch ran: the store takes no
		// more writes, and this batch must not commit either.
		return abandon(err)
	}
	if err := conn.execStatement(ctx, "COMMIT"); err != nil {
		return abandon(fmt.Errorf("%s: commit: %w", s.d.Name, err))
	}
	s.stats.batch(len(c.batch), time.Since(start))
	return c, true
}

// releaseIfHeld gives the syncer's token back after a failed batch.
func (s *Store) releaseIfHeld(free chan struct{}, held bool) {
	if held && s.opts.Sync != nil {
		free <- struct{}{}
	}
}

// syncer makes committed batches durable and answers them, one at a time;
// it hands the token back after each.
func (s *Store) syncer(in <-chan committed, free chan<- struct{}, done chan<- struct{}) {
	defer close(done)
	for c := range in {
		if err := s.brokenErr(); err != nil {
			s.fail(c.batch, err)
		} else if err := s.timedSync(); err != nil {
			err = fmt.Errorf("%s: %w: sync: %v", s.d.Name, ErrNotDurable, err)
			s.broken.Store(&err)
			s.log.Error("store stopped: a commit could not be made durable", "err", err)
			s.fail(c.batch, err)
		} else {
			if c.appended {
				s.durable.Store(c.head)
			}
			s.answer(c)
		}
		free <- struct{}{}
	}
}

func (s *Store) timedSync() error {
	start := time.Now()
	err := s.opts.Sync()
	s.stats.sync(time.Since(start))
	return err
}

// answer tells a durable batch's callers their results.
func (s *Store) answer(c committed) {
	if c.appended {
		s.notifyAppended()
	}
	for i, j := range c.batch {
		j.done <- c.results[i]
	}
}

func (s *Store) fail(batch []job, err error) {
	for _, j := range batch {
		j.done <- err
	}
}

func (s *Store) brokenErr() error {
	if p := s.broken.Load(); p != nil {
		return *p
	}
	return nil
}

// initDurable makes what the engine holds durable before anything is read
// (a process killed after a commit and before its sync leaves the commit
// in the engine's log, unsynced) and starts the durable position there.
func (s *Store) initDurable(ctx context.Context) error {
	if err := s.opts.Sync(); err != nil {
		return fmt.Errorf("%s: sync at open: %w", s.d.Name, err)
	}
	var head int64
	err := s.reader.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM event_log`).Scan(&head)
	if err != nil {
		return fmt.Errorf("%s: log head: %w", s.d.Name, err)
	}
	s.durable.Store(head)
	return nil
}

// drainClosed answers jobs queued before Close.
func (s *Store) drainClosed() {
	for {
		select {
		case j := <-s.jobs:
			j.done <- event.ErrClosed
		default:
			return
		}
	}
}

// runInSavepoint runs one job in a savepoint. ok is false when the
// savepoint itself broke and the whole batch must be abandoned.
func (s *Store) runInSavepoint(ctx context.Context, conn *stmtCache, j job) (appended, ok bool, err error) {
	if err := conn.execStatement(ctx, "SAVEPOINT job"); err != nil {
		return false, false, fmt.Errorf("%s: savepoint: %w", s.d.Name, err)
	}
	g := &guarded{q: conn, s: s, exec: conn.execStatement}
	t := &tx{rebinder: rebinder{q: g, d: s.d}, s: s, heads: s.heads}
	fnErr := runSafe(j.ctx, j.fn, t)
	if g.broken != nil {
		return false, false, g.broken // the whole batch is gone: abandon it
	}
	if fnErr != nil {
		if err := conn.execStatement(ctx, "ROLLBACK TO job"); err != nil {
			return false, false, fmt.Errorf("%s: rollback to savepoint: %w", s.d.Name, err)
		}
	}
	if err := conn.execStatement(ctx, "RELEASE job"); err != nil {
		return false, false, fmt.Errorf("%s: release savepoint: %w", s.d.Name, err)
	}
	if fnErr == nil && s.heads != nil {
		s.heads.merge(t.pending)
	}
	return fnErr == nil && t.appended, true, fnErr
}

// ErrTxRolledBack reports that the engine rolled a transaction back while
// an Update's function ran (after one of its statements failed): nothing
// of it (with group commit: of its batch) was committed, and its later
// writes were refused.
var ErrTxRolledBack = errors.New("transaction rolled back by the engine")

// guarded runs the statements of one Update's function (with group
// commit, one job on the writer's connection) and watches their errors. After a failed statement it asks the engine
// (Dialect.TxProbe) whether the whole transaction is gone; if so, it
// refuses the job's later writes, which would otherwise each commit on
// their own outside the batch, and the writer's memory of stream versions
// is dropped (the appends it holds were rolled back). Single-row reads
// still run (they commit nothing); their errors are watched too.
type guarded struct {
	q      rawQuerier
	s      *Store
	exec   func(ctx context.Context, statement string) error // on the same connection
	broken error
}

func (g *guarded) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if g.broken != nil {
		return nil, g.broken
	}
	res, err := g.q.ExecContext(ctx, q, args...)
	g.check(ctx, err)
	return res, err
}

func (g *guarded) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if g.broken != nil {
		return nil, g.broken
	}
	rows, err := g.q.QueryContext(ctx, q, args...)
	g.check(ctx, err)
	return rows, err
}

func (g *guarded) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	row := g.q.QueryRowContext(ctx, q, args...)
	if g.broken == nil {
		g.check(ctx, row.Err()) // the query's own error, before any Scan
	}
	return row
}

func (g *guarded) check(ctx context.Context, err error) {
	if err == nil || g.s.d.TxProbe == "" {
		return
	}
	if g.exec(ctx, g.s.d.TxProbe) != nil {
		return // still inside the transaction
	}
	// The probe began a new transaction: the one of the batch is gone.
	_ = g.exec(ctx, "ROLLBACK")
	g.broken = fmt.Errorf("%s: %w: %v", g.s.d.Name, ErrTxRolledBack, err)
	if g.s.heads != nil {
		g.s.heads.reset()
	}
	g.s.log.Error("store: the engine rolled a batch back after a failed statement; the batch fails", "err", err)
}
