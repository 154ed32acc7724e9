package eventtest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/eventstore"
)

// EventStoreUnderTest is a store event-sourced repositories can use.
type EventStoreUnderTest interface {
	StoreUnderTest
	eventstore.Store
}

// TestEventStore runs the event-sourcing conformance suite: snapshots of
// long streams, optimistic concurrency with retries, snapshot schema
// changes. newStore must return a fresh, empty store closed in t.Cleanup.
func TestEventStore(t *testing.T, newStore func(t *testing.T) EventStoreUnderTest) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s EventStoreUnderTest)
	}{
		{"LongStreamLoadsFromSnapshot", testSnapshots},
		{"ConcurrentUpdatesRetryOnConflict", testConcurrentAggregateUpdates},
		{"NewSnapshotSchemaFoldsFromScratch", testSnapshotSchema},
		{"RejectedCommandAppendsNothing", testRejectedCommand},
		{"LoadInSeesTheTransaction", testLoadIn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

// ledger is a test aggregate: a balance folded from deposits.
type ledger struct {
	Account string `json:"account"`
	Balance int    `json:"balance"`
	Entries int    `json:"entries"`
}

func ledgerRepo(t testing.TB, s EventStoreUnderTest, every int64, schema int) *eventstore.Repository[ledger] {
	t.Helper()
	r, err := eventstore.New(context.Background(), eventstore.Config[ledger]{Kind: "ledger",
		New: func(stream string) ledger { return ledger{Account: stream} },
		Apply: func(l *ledger, e event.Envelope) error {
			var d struct{ Amount int }
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return err
			}
			l.Balance, l.Entries = l.Balance+d.Amount, l.Entries+1
			return nil
		}, SnapshotEvery: every, SnapshotSchema: schema, Retries: 100}, s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func deposit(t testing.TB, r *eventstore.Repository[ledger], stream string, amount int) eventstore.Loaded[ledger] {
	t.Helper()
	l, err := r.Update(context.Background(), stream, func(ledger) ([]event.Envelope, error) {
		env, err := event.New("ledgers", "Deposited", "/test", stream, map[string]int{"amount": amount})
		return []event.Envelope{env}, err
	})
	if err != nil {
		t.Fatalf("deposit on %s: %v", stream, err)
	}
	return l
}

func load(t testing.TB, r *eventstore.Repository[ledger], stream string) eventstore.Loaded[ledger] {
	t.Helper()
	l, err := r.Load(context.Background(), stream)
	if err != nil {
		t.Fatalf("load %s: %v", stream, err)
	}
	return l
}

func testSnapshots(t *testing.T, s EventStoreUnderTest) {
	r := ledgerRepo(t, s, 50, 1)
	for i := 1; i <= 250; i++ {
		deposit(t, r, "acc-1", i)
	}
	l := load(t, r, "acc-1")
	if l.Version != 250 || l.SnapshotVersion != 250 || l.Replayed != 0 || l.State.Balance != 250*251/2 {
		t.Fatalf("after 250 events: version %d, snapshot %d, replayed %d, %+v", l.Version, l.SnapshotVersion, l.Replayed, l.State)
	}
	for range 3 {
		deposit(t, r, "acc-1", 1)
	}
	l = load(t, r, "acc-1")
	full := load(t, ledgerRepo(t, s, 0, 1), "acc-1")
	if l.Replayed != 3 || l.SnapshotVersion != 250 || l.State != full.State || full.Replayed != 253 {
		t.Errorf("snapshot load: %+v (replayed %d from %d); full fold %+v (replayed %d)",
			l.State, l.Replayed, l.SnapshotVersion, full.State, full.Replayed)
	}
}

func testConcurrentAggregateUpdates(t *testing.T, s EventStoreUnderTest) {
	r := ledgerRepo(t, s, 5, 1)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { deposit(t, r, "acc-c", 1) })
	}
	wg.Wait()
	l := load(t, r, "acc-c")
	if l.State.Balance != 20 || l.Version != 20 {
		t.Errorf("20 concurrent deposits: balance %d at version %d", l.State.Balance, l.Version)
	}
	envs, err := s.QueryLog(context.Background(), event.LogQuery{Stream: "acc-c", Limit: 100})
	if err != nil || len(envs) != 20 {
		t.Fatalf("stream holds %d events (%v)", len(envs), err)
	}
	for i, e := range envs {
		if e.Version != int64(i+1) {
			t.Fatalf("event %d at version %d", i, e.Version)
		}
	}
}

func testSnapshotSchema(t *testing.T, s EventStoreUnderTest) {
	r1 := ledgerRepo(t, s, 10, 1)
	for range 25 {
		deposit(t, r1, "acc-s", 2)
	}
	r2 := ledgerRepo(t, s, 10, 2)
	l := load(t, r2, "acc-s")
	if l.SnapshotVersion != 0 || l.Replayed != 25 || l.State.Balance != 50 {
		t.Errorf("schema 2 over schema 1 snapshots: from %d, replayed %d, %+v", l.SnapshotVersion, l.Replayed, l.State)
	}
	for range 5 {
		deposit(t, r2, "acc-s", 2)
	}
	if l := load(t, r2, "acc-s"); l.SnapshotVersion != 30 || l.State.Balance != 60 {
		t.Errorf("schema 2 snapshot: from %d, %+v", l.SnapshotVersion, l.State)
	}
}

func testRejectedCommand(t *testing.T, s EventStoreUnderTest) {
	r := ledgerRepo(t, s, 10, 1)
	deposit(t, r, "acc-r", 5)
	errOverdraft := errors.New("overdraft")
	_, err := r.Update(context.Background(), "acc-r", func(l ledger) ([]event.Envelope, error) {
		if l.Balance < 10 {
			return nil, errOverdraft
		}
		return nil, nil
	})
	if !errors.Is(err, errOverdraft) {
		t.Fatalf("rejected command: %v", err)
	}
	if l := load(t, r, "acc-r"); l.Version != 1 || l.State.Balance != 5 {
		t.Errorf("after a rejected command: %+v at version %d", l.State, l.Version)
	}
}

// testLoadIn: an aggregate loaded inside a transaction sees what that
// transaction saved (and its snapshot), so two saves in one transaction
// follow each other; outside, nothing shows until the commit.
func testLoadIn(t *testing.T, s EventStoreUnderTest) {
	r := ledgerRepo(t, s, 2, 1)
	deposit(t, r, "acc-in", 5)
	ctx := context.Background()
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		for i := range 3 {
			l, err := r.LoadIn(ctx, tx, "acc-in")
			if err != nil {
				return err
			}
			if l.Version != int64(1+i) || l.State.Balance != 5+i {
				t.Errorf("load %d in the transaction: version %d, balance %d; want %d, %d", i, l.Version, l.State.Balance, 1+i, 5+i)
			}
			env, err := event.New("ledgers", "Deposited", "/test", "acc-in", map[string]int{"amount": 1})
			if err != nil {
				return err
			}
			if err := r.Save(ctx, tx, &l, env); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := load(t, r, "acc-in"); l.Version != 4 || l.State.Balance != 8 {
		t.Errorf("after the commit: version %d, balance %d; want 4, 8", l.Version, l.State.Balance)
	}
}
