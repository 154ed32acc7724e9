package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/event/postgres"
	"github.com/banchan/banchan/event/sqlstore"
)

// open opens a store in a schema of its own, dropped when t ends.
func open(t *testing.T, url string) (*sqlstore.Store, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	// Cleanups run last-in first-out: the store closes before its schema goes.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := postgres.DropSchema(ctx, url, schema); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	t.Cleanup(func() { _ = s.Close() })
	return s, nil
}

func TestStore(t *testing.T) {
	url := eventtest.PostgresURL()
	probe, err := open(t, url)
	eventtest.RequireService(t, "PostgreSQL at "+url, err)
	if err := probe.Ping(context.Background()); err != nil {
		t.Fatalf("ping: %v", err)
	}
	eventtest.TestStore(t, func(t *testing.T) eventtest.StoreUnderTest {
		s, err := open(t, url)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestOpenRejectsBadSchema(t *testing.T) {
	_, err := postgres.Open(context.Background(), eventtest.PostgresURL(), postgres.Options{Schema: "Robert'); DROP"})
	if err == nil {
		t.Fatal("a schema name that is not an identifier was accepted")
	}
}

func TestProjections(t *testing.T) {
	url := eventtest.PostgresURL()
	_, err := open(t, url)
	eventtest.RequireService(t, "PostgreSQL at "+url, err)
	eventtest.TestProjections(t, func(t *testing.T) eventtest.ProjectionStoreUnderTest {
		s, err := open(t, url)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestEventStore(t *testing.T) {
	url := eventtest.PostgresURL()
	_, err := open(t, url)
	eventtest.RequireService(t, "PostgreSQL at "+url, err)
	eventtest.TestEventStore(t, func(t *testing.T) eventtest.EventStoreUnderTest {
		s, err := open(t, url)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestADeadlockIsAConcurrencyConflict: of two transactions that lock two
// rows in opposite orders, PostgreSQL rolls one back; Update reports that
// one as event.ErrConcurrency (to be run again), the other commits.
func TestADeadlockIsAConcurrencyConflict(t *testing.T) {
	url := eventtest.PostgresURL()
	s, err := open(t, url)
	eventtest.RequireService(t, "PostgreSQL at "+url, err)
	ctx := context.Background()
	err = s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE pair (k TEXT PRIMARY KEY, n INT NOT NULL);
			INSERT INTO pair VALUES ('a', 0), ('b', 0)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	firstDone := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
	run := func(first, second string) error {
		return s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE pair SET n = n + 1 WHERE k = ?`, first); err != nil {
				return err
			}
			close(firstDone[first])
			<-firstDone[second] // each now holds one row and wants the other's
			_, err := tx.ExecContext(ctx, `UPDATE pair SET n = n + 1 WHERE k = ?`, second)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run("a", "b") }()
	go func() { errs <- run("b", "a") }()
	var conflicts, commits int
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			commits++
		case errors.Is(err, event.ErrConcurrency):
			conflicts++
		default:
			t.Errorf("the transaction that lost: %v, want event.ErrConcurrency", err)
		}
	}
	if commits != 1 || conflicts != 1 {
		t.Errorf("%d committed, %d conflicts; want one of each", commits, conflicts)
	}
}

// Processes of a split deployment started at once on a fresh database
// all open it: creating the schema and the migrations table take turns.
func TestProcessesStartedTogetherOnAFreshSchemaAllOpenIt(t *testing.T) {
	url := eventtest.PostgresURL()
	_, err := open(t, url)
	eventtest.RequireService(t, "PostgreSQL at "+url, err)
	schema := freshSchema(t, url)
	const n = 6
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema, MaxConns: 2,
				Logger: slog.New(slog.DiscardHandler)})
			if err == nil {
				err = s.Migrate(ctx, "together", []string{`CREATE TABLE together (id TEXT PRIMARY KEY)`})
				_ = s.Close()
			}
			errs <- err
		}()
	}
	close(start)
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("a process starting with the others: %v", err)
		}
	}
}
