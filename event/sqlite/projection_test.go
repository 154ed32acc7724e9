package sqlite_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/event/sqlite"
)

func TestProjections(t *testing.T) {
	eventtest.TestProjections(t, func(t *testing.T) eventtest.ProjectionStoreUnderTest {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "events.db"),
			sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestEventStore(t *testing.T) {
	eventtest.TestEventStore(t, func(t *testing.T) eventtest.EventStoreUnderTest {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "events.db"),
			sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
