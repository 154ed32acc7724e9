package sqlite_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/event/sqlite"
)

func TestStore(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts sqlite.Options
	}{
		{"GroupCommit", sqlite.Options{}},
		{"NoGroupCommit", sqlite.Options{NoGroupCommit: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eventtest.TestStore(t, func(t *testing.T) eventtest.StoreUnderTest {
				opts := tc.opts
				opts.Logger = slog.New(slog.DiscardHandler)
				s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "events.db"), opts)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s.Close() })
				return s
			})
		})
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCheckpoint(ctx, "relay", 9); err != nil {
		t.Fatal(err)
	}
	id, err := s.ID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Opening again re-runs the migrations, which must skip applied steps.
	s, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if cp, err := s.Checkpoint(ctx, "relay"); err != nil || cp != 9 {
		t.Errorf("checkpoint after reopen = %d, %v; want 9", cp, err)
	}
	if again, err := s.ID(ctx); again != id || err != nil {
		t.Errorf("identity after reopen = %q, %v; want %q", again, err, id)
	}
	other, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "other.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if oid, err := other.ID(ctx); oid == id || err != nil {
		t.Errorf("another database's identity = %q, %v; want one of its own, not %q", oid, err, id)
	}
}
