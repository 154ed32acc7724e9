package adapters_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
)

// The step that keeps each product's waiting quantity fills it in from
// the waiting lines of a database made before it.
func TestMigrationSumsTheWaitingLines(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "inv.db"), sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const before = 6 // the steps before the one that adds scm_products.waiting
	if err := s.Migrate(ctx, "inventory", adapters.Migrations[:before]); err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		for _, q := range []string{
			`INSERT INTO scm_products (sku, version, next_seq) VALUES ('A', 3, 9), ('B', 1, 2)`,
			`INSERT INTO scm_backorders (order_id, sku, qty, seq, since) VALUES
				('o-1', 'A', 2, 4, '2026-12-01T10:00:00.000000000Z'), ('o-2', 'A', 5, 7, '2026-12-01T10:00:00.000000000Z')`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx, "inventory", adapters.Migrations); err != nil {
		t.Fatal(err)
	}
	for sku, want := range map[string]int{"A": 7, "B": 0} {
		p, err := adapters.Products{}.Load(ctx, s.Read(), sku, adapters.Scope{OwnWaiting: true})
		if err != nil || p.Waiting != want || p.Version == 0 {
			t.Errorf("product %s after the migration: %d waiting, version %d (%v); want %d", sku, p.Waiting, p.Version, err, want)
		}
	}
}
