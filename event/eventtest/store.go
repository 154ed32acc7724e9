package eventtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/banchan/banchan/event"
)

// StoreUnderTest is everything a store backend offers: the transactional
// store with its log, checkpoints, dead letters and the registry of
// subscriptions with their backlog. *sqlstore.Store satisfies it.
type StoreUnderTest interface {
	event.Store
	event.Log
	event.Checkpoints
	event.DeadLetterStore
	event.SubscriptionRegistry
	event.Backlog
	// ID is the store's identity, the same for every process that opens it.
	ID(ctx context.Context) (string, error)
}

// TestStore runs the store conformance suite. newStore must return a fresh,
// empty store (its own file or schema) and close it in t.Cleanup. Subtests
// run in parallel and create their own tables with portable SQL.
func TestStore(t *testing.T, newStore func(t *testing.T) StoreUnderTest) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s StoreUnderTest)
	}{
		{"CommitAndRollback", testCommitAndRollback},
		{"ViewReadsOneSnapshot", testViewSnapshot},
		{"ConcurrentUpdatesSomeFailing", testConcurrentUpdates},
		{"AppendPositionsAndVersions", testAppendPositions},
		{"ExpectedVersion", testExpectedVersion},
		{"MarkHandled", testMarkHandled},
		{"ReadLogPaging", testReadLogPaging},
		{"AppendedSignal", testAppendedSignal},
		{"Checkpoints", testCheckpoints},
		{"DeadLetters", testDeadLetterStore},
		{"DeadLettersOrderedByTime", testDeadLetterOrder},
		{"OutboxCrashResume", testOutboxCrashResume},
		{"OutboxRelayRun", testOutboxRelayRun},
		{"SubscriptionBacklog", testSubscriptionBacklog},
		{"OutboxRecoversLostBroker", testOutboxRecoversLostBroker},
		{"OutboxRecoversBrokerTailLoss", testOutboxRecoversTailLoss},
		{"InboxPrune", testInboxPrune},
		{"Identity", testIdentity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

// errRollback is what the suite's failing transactions return.
var errRollback = errors.New("roll back, please")

func update(t testing.TB, s event.Store, fn func(ctx context.Context, tx event.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

// createTable makes a key/value table for the test's own state.
func createTable(t testing.TB, s event.Store, name string) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx event.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+name+` (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`)
		return err
	})
}

func put(ctx context.Context, tx event.Tx, table, k string, v int) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (k, v) VALUES (?, ?)`, k, v)
	return err
}

// rows reads a key/value table.
func rows(t testing.TB, s event.Store, table string) map[string]int {
	t.Helper()
	return rowsOf(t, s.Read(), table)
}

func rowsOf(t testing.TB, q event.Querier, table string) map[string]int {
	t.Helper()
	rs, err := q.QueryContext(context.Background(), `SELECT k, v FROM `+table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rs.Close()
	out := map[string]int{}
	for rs.Next() {
		var k string
		var v int
		if err := rs.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readLog returns the whole log.
func readLog(t testing.TB, l event.Log) []event.Envelope {
	t.Helper()
	envs, err := l.ReadLog(context.Background(), 0, 100_000)
	if err != nil {
		t.Fatalf("read log: %v", err)
	}
	return envs
}

func logIDs(t testing.TB, l event.Log) map[string]bool {
	out := map[string]bool{}
	for _, e := range readLog(t, l) {
		out[e.ID] = true
	}
	return out
}

// streamEnvelope is an envelope ready to append to stream.
func streamEnvelope(t testing.TB, stream string, n int) event.Envelope {
	env := envelope(t, "OrderPlaced", stream, n)
	env.Stream = stream
	return env
}

func testCommitAndRollback(t *testing.T, s StoreUnderTest) {
	createTable(t, s, "t_commit")
	kept, dropped := streamEnvelope(t, "order-1", 1), streamEnvelope(t, "order-2", 2)
	update(t, s, func(ctx context.Context, tx event.Tx) error {
		if err := tx.Lock(ctx, "order-1"); err != nil {
			return err
		}
		if err := put(ctx, tx, "t_commit", "kept", 1); err != nil {
			return err
		}
		return tx.Append(ctx, kept)
	})
	err := s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
		if err := put(ctx, tx, "t_commit", "dropped", 2); err != nil {
			return err
		}
		if err := tx.Append(ctx, dropped); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("failing update returned %v, want its own error", err)
	}
	if got := rows(t, s, "t_commit"); len(got) != 1 || got["kept"] != 1 {
		t.Errorf("rows = %v, want only the committed one", got)
	}
	ids := logIDs(t, s)
	if !ids[kept.ID] || ids[dropped.ID] || len(ids) != 1 {
		t.Errorf("log = %v, want only the committed envelope %s", ids, kept.ID)
	}
}

// testViewSnapshot checks that View's reads see one moment: a commit made
// while the view is open does not show in it, and a write inside it is
// refused without changing anything.
func testViewSnapshot(t *testing.T, s StoreUnderTest) {
	createTable(t, s, "t_view")
	update(t, s, func(ctx context.Context, tx event.Tx) error { return put(ctx, tx, "t_view", "a", 1) })
	sentinel := errors.New("the view's own error")
	err := s.View(context.Background(), func(ctx context.Context, q event.Querier) error {
		if got := rowsOf(t, q, "t_view"); len(got) != 1 || got["a"] != 1 {
			t.Errorf("view before the commit = %v, want a=1", got)
		}
		update(t, s, func(ctx context.Context, tx event.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE t_view SET v = 2 WHERE k = 'a'`); err != nil {
				return err
			}
			return put(ctx, tx, "t_view", "b", 3)
		})
		if got := rowsOf(t, q, "t_view"); len(got) != 1 || got["a"] != 1 {
			t.Errorf("view after a commit = %v, want the snapshot a=1 still", got)
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO t_view (k, v) VALUES ('c', 4)`); err == nil {
			t.Error("a write inside a view succeeded, want it refused")
		}
		return sentinel
	})
	if !errors.Is(err, sentinel) {
		t.Errorf("View returned %v, want fn's error", err)
	}
	if got := rows(t, s, "t_view"); len(got) != 2 || got["a"] != 2 || got["b"] != 3 {
		t.Errorf("after the view = %v, want a=2 b=3 (the commit, not the view's write)", got)
	}
}

// testConcurrentUpdates runs many updates at once, every third failing after
// it wrote: on a group-committing store they share transactions, and each
// failure must roll back its own work only.
func testConcurrentUpdates(t *testing.T, s StoreUnderTest) {
	createTable(t, s, "t_concurrent")
	const n = 50
	envs := make([]event.Envelope, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		envs[i] = streamEnvelope(t, fmt.Sprintf("order-%d", i%7), i)
		wg.Go(func() {
			errs[i] = s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
				if err := put(ctx, tx, "t_concurrent", fmt.Sprint(i), i); err != nil {
					return err
				}
				if err := tx.Append(ctx, envs[i]); err != nil {
					return err
				}
				if i%3 == 0 {
					return errRollback
				}
				return nil
			})
		})
	}
	wg.Wait()
	got, ids := rows(t, s, "t_concurrent"), logIDs(t, s)
	for i := range n {
		fails := i%3 == 0
		switch {
		case fails && !errors.Is(errs[i], errRollback):
			t.Errorf("update %d returned %v, want its own error", i, errs[i])
		case !fails && errs[i] != nil:
			t.Errorf("update %d failed: %v", i, errs[i])
		}
		_, row := got[fmt.Sprint(i)]
		if row == fails || ids[envs[i].ID] == fails {
			t.Errorf("update %d (failing: %v): row present %v, envelope logged %v", i, fails, row, ids[envs[i].ID])
		}
	}
}

// testIdentity: a store has one identity, kept from one call to the next.
func testIdentity(t *testing.T, s StoreUnderTest) {
	ctx := context.Background()
	id, err := s.ID(ctx)
	if err != nil || len(id) < 16 {
		t.Fatalf("ID = %q, %v; want an identity of at least 16 characters", id, err)
	}
	if again, err := s.ID(ctx); again != id || err != nil {
		t.Errorf("ID again = %q, %v; want %q", again, err, id)
	}
}
