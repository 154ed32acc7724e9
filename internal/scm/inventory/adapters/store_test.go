package adapters_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
)

// openInventory opens a SQLite store of its own with the inventory tables,
// closed when t ends.
func openInventory(t *testing.T, opts sqlite.Options) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	opts.Logger = slog.New(slog.DiscardHandler)
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "inv.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx, "inventory", adapters.Migrations); err != nil {
		t.Fatal(err)
	}
	return s
}
