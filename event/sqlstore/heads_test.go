package sqlstore_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
)

// openExclusive opens the embedded store as the system does: group commit
// on a file no other process writes, where the writer remembers stream
// versions.
func openExclusive(t *testing.T) *sqlstore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "e.db"),
		sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newEnv(t *testing.T, stream string) event.Envelope {
	t.Helper()
	env, err := event.New("t", "Happened", "test", "s", map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	env.Stream = stream
	return env
}

// streamVersions reads a stream's versions from the log.
func streamVersions(t *testing.T, s *sqlstore.Store, stream string) []int64 {
	t.Helper()
	var out []int64
	err := s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
		envs, err := tx.(event.StreamReader).ReadStream(ctx, stream, 0, 1000)
		for _, e := range envs {
			out = append(out, e.Version)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantVersions(t *testing.T, got []int64, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("stream has versions %v, want 1..%d", got, n)
	}
	for i, v := range got {
		if v != int64(i+1) {
			t.Fatalf("stream has versions %v, want 1..%d", got, n)
		}
	}
}

// The versions an append takes from the writer's memory follow the log
// through every way a job can end: committed, failed after appending,
// refused by the log, or appending at a version of its own.
func TestStreamVersionsFromMemoryFollowTheLog(t *testing.T) {
	ctx := context.Background()
	s := openExclusive(t)
	update := func(fn func(ctx context.Context, tx event.Tx) error) error { return s.Update(ctx, fn) }
	steps := []struct {
		name    string
		fn      func(ctx context.Context, tx event.Tx) error
		wantErr error
		total   int // events in the stream after the step
	}{
		{"first append", func(ctx context.Context, tx event.Tx) error { return tx.Append(ctx, newEnv(t, "x")) }, nil, 1},
		{"two in one job", func(ctx context.Context, tx event.Tx) error {
			return tx.Append(ctx, newEnv(t, "x"), newEnv(t, "x"))
		}, nil, 3},
		{"job fails after appending", func(ctx context.Context, tx event.Tx) error {
			if err := tx.Append(ctx, newEnv(t, "x")); err != nil {
				return err
			}
			return errBoom
		}, errBoom, 3},
		{"next append after the failure", func(ctx context.Context, tx event.Tx) error { return tx.Append(ctx, newEnv(t, "x")) }, nil, 4},
		{"an id already in the log is refused, the job goes on", func(ctx context.Context, tx event.Tx) error {
			dup := newEnv(t, "x")
			if err := tx.Append(ctx, dup); err != nil {
				return err
			}
			if err := tx.Append(ctx, dup); !errors.Is(err, event.ErrConcurrency) {
				return errors.Join(errors.New("duplicate id not refused"), err)
			}
			return tx.Append(ctx, newEnv(t, "x"))
		}, nil, 6},
		{"a version taken is refused", func(ctx context.Context, tx event.Tx) error {
			e := newEnv(t, "x")
			e.Version = 6
			return tx.Append(ctx, e)
		}, event.ErrConcurrency, 6},
		{"a version ahead is refused", func(ctx context.Context, tx event.Tx) error {
			e := newEnv(t, "x")
			e.Version = 8
			return tx.Append(ctx, e)
		}, event.ErrConcurrency, 6},
		{"the next version is taken", func(ctx context.Context, tx event.Tx) error {
			e := newEnv(t, "x")
			e.Version = 7
			return tx.Append(ctx, e, newEnv(t, "x"))
		}, nil, 8},
		{"a row put in the log by other means", func(ctx context.Context, tx event.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO event_log (id, topic, stream, version, type, source, subject,
				time, correlation_id, causation_id, traceparent, data) VALUES (?, 't', 'x', 9, 'Happened', 'test', 's',
				'2026-12-02T00:00:00Z', '', '', '', '{}')`, event.NewID())
			return err
		}, nil, 9},
		{"then an append at the version read from the log", func(ctx context.Context, tx event.Tx) error {
			e := newEnv(t, "x")
			e.Version = 10
			return tx.Append(ctx, e)
		}, nil, 10},
		{"another row by other means, then an append at the next version", func(ctx context.Context, tx event.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_log (id, topic, stream, version, type, source, subject,
				time, correlation_id, causation_id, traceparent, data) VALUES (?, 't', 'x', 11, 'Happened', 'test', 's',
				'2026-12-02T00:00:00Z', '', '', '', '{}')`, event.NewID()); err != nil {
				return err
			}
			return tx.Append(ctx, newEnv(t, "x"))
		}, nil, 12},
	}
	for _, st := range steps {
		err := update(st.fn)
		if !errors.Is(err, st.wantErr) || (st.wantErr == nil) != (err == nil) {
			t.Fatalf("%s: err %v, want %v", st.name, err, st.wantErr)
		}
		wantVersions(t, streamVersions(t, s, "x"), st.total)
	}
}

var errBoom = errors.New("boom")

// A batch whose commit fails is rolled back as a whole, with the appends
// of jobs that had succeeded in it: the writer forgets what they told it.
func TestStreamVersionsAfterAFailedCommit(t *testing.T) {
	ctx := context.Background()
	s := openExclusive(t)
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE parent (id INTEGER PRIMARY KEY);
			CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`)
		if err != nil {
			return err
		}
		return tx.Append(ctx, newEnv(t, "x"))
	})
	if err != nil {
		t.Fatal(err)
	}
	// The job succeeds; its deferred foreign key fails the commit.
	err = s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		if err := tx.Append(ctx, newEnv(t, "x")); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO child (parent) VALUES (?)`, 42)
		return err
	})
	if err == nil {
		t.Fatal("a commit breaking a deferred foreign key succeeded")
	}
	wantVersions(t, streamVersions(t, s, "x"), 1)
	if err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error { return tx.Append(ctx, newEnv(t, "x")) }); err != nil {
		t.Fatal(err)
	}
	wantVersions(t, streamVersions(t, s, "x"), 2)
}

// When a failed statement makes SQLite roll the whole transaction back,
// the job's later statements are refused (each would commit on its own),
// the batch fails, and the writer forgets the versions it had appended.
func TestEngineRollbackFailsTheBatch(t *testing.T) {
	for _, noGroup := range []bool{false, true} {
		t.Run(map[bool]string{false: "group commit", true: "one commit per update"}[noGroup], func(t *testing.T) {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "e.db"),
				sqlite.Options{NoGroupCommit: noGroup, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			engineRollback(t, s)
		})
	}
}

func engineRollback(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE u (k INTEGER PRIMARY KEY); INSERT INTO u (k) VALUES (1)`); err != nil {
			return err
		}
		return tx.Append(ctx, newEnv(t, "y"))
	})
	if err != nil {
		t.Fatal(err)
	}
	var caught error
	err = s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		if err := tx.Append(ctx, newEnv(t, "y")); err != nil {
			return err
		}
		_, caught = tx.ExecContext(ctx, `INSERT OR ROLLBACK INTO u (k) VALUES (1)`)
		// The job goes on regardless: none of this may commit.
		_ = tx.Append(ctx, newEnv(t, "y"))
		_, _ = tx.ExecContext(ctx, `INSERT INTO u (k) VALUES (2)`)
		return nil
	})
	if caught == nil {
		t.Fatal("INSERT OR ROLLBACK of a duplicate key succeeded")
	}
	if !errors.Is(err, sqlstore.ErrTxRolledBack) {
		t.Fatalf("Update: %v, want ErrTxRolledBack", err)
	}
	wantVersions(t, streamVersions(t, s, "y"), 1)
	var n int
	if err := s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM u`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("table u holds %d rows (%v), want 1: a statement after the rollback committed", n, err)
	}
	if err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error { return tx.Append(ctx, newEnv(t, "y")) }); err != nil {
		t.Fatal(err)
	}
	wantVersions(t, streamVersions(t, s, "y"), 2)
	// A statement that fails without rolling back leaves the job running.
	err = s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO u (k) VALUES (1)`); err == nil {
			return errors.New("duplicate key accepted")
		}
		var k int
		if err := tx.QueryRowContext(ctx, `SELECT nope FROM u`).Scan(&k); err == nil {
			return errors.New("a query of a missing column succeeded")
		}
		return tx.Append(ctx, newEnv(t, "y"))
	})
	if err != nil {
		t.Fatal(err)
	}
	wantVersions(t, streamVersions(t, s, "y"), 3)
}
