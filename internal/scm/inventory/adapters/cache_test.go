package adapters_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

var errRollback = errors.New("roll back")

// The cache never serves a product that a rolled-back transaction saved:
// the stored version no longer matches, so the product is read afresh.
func TestCacheAfterRollback(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		opts sqlite.Options
	}{{"group commit", sqlite.Options{}}, {"one commit per update", sqlite.Options{NoGroupCommit: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			s := openInventory(t, tc.opts)
			repo := adapters.WithCache(10)
			change := func(fail bool, fn func(p *domain.Product) error) error {
				return s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
					p, err := repo.LoadForUpdate(ctx, tx, "SKU-1", adapters.Scope{Orders: []string{"o-1", "o-2"}})
					if err != nil {
						return err
					}
					if err := fn(p); err != nil {
						return err
					}
					if err := repo.Save(ctx, tx, p, now); err != nil {
						return err
					}
					if fail {
						return errRollback
					}
					return nil
				})
			}
			b, err := domain.NewBatch("b-1", "SKU-1", 10, nil, now)
			if err != nil {
				t.Fatal(err)
			}
			if err := change(false, func(p *domain.Product) error { return p.AddBatch(b, now) }); err != nil {
				t.Fatal(err)
			}
			allocate := func(order string) func(p *domain.Product) error {
				return func(p *domain.Product) error {
					_, err := p.Allocate(domain.Line{OrderID: order, SKU: "SKU-1", Qty: 4}, now)
					return err
				}
			}
			if err := change(true, allocate("o-1")); !errors.Is(err, errRollback) {
				t.Fatalf("rolled-back allocation: %v", err)
			}
			if err := change(false, allocate("o-2")); err != nil {
				t.Fatal(err)
			}
			p, err := repo.Load(ctx, s.Read(), "SKU-1", adapters.Scope{Orders: []string{"o-1", "o-2"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Batches[0].Allocated; got != 4 || len(p.Allocations) != 1 || p.Allocations[0].OrderID != "o-2" {
				t.Fatalf("after a rolled-back and a committed allocation: allocated %d, lines %+v; want 4, only o-2",
					got, p.Allocations)
			}
			// One order's line comes with the version in one query.
			for order, want := range map[string]int{"o-2": 1, "o-1": 0} {
				err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
					p, err := repo.LoadForUpdate(ctx, tx, "SKU-1", adapters.Scope{Orders: []string{order}})
					if err != nil {
						return err
					}
					if len(p.Allocations) != want || (want == 1 && p.Allocations[0].BatchRef != "b-1") {
						t.Errorf("order %s: lines %+v, want %d in b-1", order, p.Allocations, want)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if hits, misses := repo.CacheStats(); hits == 0 || misses == 0 {
				t.Errorf("cache hits %d, misses %d: want both (a hit after the batch, a miss after the rollback)", hits, misses)
			}
		})
	}
}
