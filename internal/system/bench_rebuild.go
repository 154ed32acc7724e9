package system

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/postgres"
	"github.com/banchan/banchan/event/projection"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
	"github.com/banchan/banchan/internal/sales"
)

// rebuildPhase generates a log of --events envelopes on SQLite (and on
// PostgreSQL with --postgres-url) and measures, on each: a plain scan of
// the log (the baseline), the catch-up of the sales projections added to
// that log, and a rebuild of the sales projection beside its live
// generation until the switch.
func (b *bench) rebuildPhase(ctx context.Context) ([]benchRow, error) {
	rows, err := b.rebuildOn(ctx, "SQLite", func() (*sqlstore.Store, func(), error) {
		s, err := sqlite.Open(ctx, filepath.Join(b.dir, "rebuild.db"), sqlite.Options{Logger: b.log})
		return s, func() { _ = s.Close() }, err
	})
	if b.opts.postgresURL == "" {
		return append(rows, benchRow{phase: "rebuild", name: "PostgreSQL", note: "skipped: no --postgres-url"}), err
	}
	pg, perr := b.rebuildOn(ctx, "PostgreSQL", func() (*sqlstore.Store, func(), error) {
		raw := make([]byte, 6)
		_, _ = rand.Read(raw)
		schema := "bench_" + hex.EncodeToString(raw)
		s, err := postgres.Open(ctx, b.opts.postgresURL, postgres.Options{Schema: schema, Logger: b.log})
		return s, func() {
			_ = s.Close()
			_ = postgres.DropSchema(context.WithoutCancel(ctx), b.opts.postgresURL, schema)
		}, err
	})
	return append(rows, pg...), errorsJoin(err, perr)
}

func errorsJoin(a, b error) error {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	return fmt.Errorf("%w; %w", a, b)
}

func (b *bench) rebuildOn(ctx context.Context, engine string, open func() (*sqlstore.Store, func(), error)) ([]benchRow, error) {
	n := b.opts.events
	fail := func(err error) ([]benchRow, error) {
		return []benchRow{{phase: "rebuild", name: engine, err: err}}, err
	}
	store, closeStore, err := open()
	if err != nil {
		return fail(err)
	}
	defer closeStore()
	fmt.Fprintf(b.stderr, "bench: rebuild: generating %d events on %s...\n", n, engine)
	if err := generateLog(ctx, store, n); err != nil {
		return fail(err)
	}
	scan, err := scanLog(ctx, store)
	if err != nil {
		return fail(err)
	}
	rows := []benchRow{{phase: "rebuild", name: fmt.Sprintf("%s: scan the log, %d events (baseline)", engine, n),
		ops: int64(n), elapsed: scan}}
	more, err := b.projectLog(ctx, engine, store, rows[0].rate())
	return append(rows, more...), err
}

// scanLog reads the whole log in the runner's batches, doing nothing else.
func scanLog(ctx context.Context, store *sqlstore.Store) (time.Duration, error) {
	start := time.Now()
	head, err := store.Head(ctx)
	if err != nil {
		return 0, err
	}
	for after := int64(0); after < head; {
		envs, err := store.QueryLog(ctx, event.LogQuery{After: after, Until: head, Limit: 2000})
		if err != nil {
			return 0, err
		}
		after = envs[len(envs)-1].Position
	}
	return time.Since(start), nil
}

// projectLog adds the sales projections to the log (catch-up from 0), then
// rebuilds the sales projection.
func (b *bench) projectLog(ctx context.Context, engine string, store *sqlstore.Store, scanRate float64) ([]benchRow, error) {
	svc, err := sales.New(ctx, store, store, b.log)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	runner, err := projection.New(ctx, projection.Config{Logger: b.log}, store, svc.Projections()...)
	if err != nil {
		return nil, err
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = runner.Run(rctx) }()
	defer func() { stop(); <-done }()
	n := int64(b.opts.events)
	name := func(what string) string { return fmt.Sprintf("%s: %s, %d events", engine, what, n) }
	if err := b.until(ctx, runner, func(all []projection.Status) bool { return lagOf(all) == 0 }); err != nil {
		return nil, err
	}
	rows := []benchRow{{phase: "rebuild", name: name("catch-up of sales and customers from position 0"),
		ops: n, elapsed: time.Since(start)}}
	rows[0].ratio = ratio(rows[0].rate(), scanRate, "scan")
	start = time.Now()
	if _, _, err := runner.Rebuild(ctx, "sales"); err != nil {
		return rows, err
	}
	if err := b.until(ctx, runner, func(all []projection.Status) bool {
		return all[0].Rebuild == nil && all[0].Live.Generation == 2
	}); err != nil {
		return rows, err
	}
	r := benchRow{phase: "rebuild", name: name("rebuild of sales beside the live one, to the switch"),
		ops: n, elapsed: time.Since(start)}
	r.ratio, r.note = ratio(r.rate(), scanRate, "scan"), fmt.Sprintf("1M events in %.1f s", 1e6/r.rate())
	return append(rows, r), nil
}

func lagOf(all []projection.Status) int64 {
	var lag int64
	for _, s := range all {
		lag += s.Lag
	}
	return lag
}

// until polls the runner's status until cond holds or --timeout passes.
func (b *bench) until(ctx context.Context, r *projection.Runner, cond func([]projection.Status) bool) error {
	deadline := time.Now().Add(b.opts.timeout)
	for {
		all, err := r.StatusAll(ctx)
		if err != nil {
			return err
		}
		if cond(all) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("projections not done after %s: %+v", b.opts.timeout, all)
		}
		time.Sleep(10 * time.Millisecond) // a poll interval, not a wait for an outcome
	}
}
