package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"testing"
	"time"

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
