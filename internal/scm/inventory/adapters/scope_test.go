package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// A load reads the batches with stock free and the batches of the lines in
// scope, not every batch the SKU ever had; a batch's lines are read only as
// far as a change of its quantity needs them. Both with and without the
// product cache.
func TestLoadReadsOnlyWhatTheScopeNeeds(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for name, repo := range map[string]func() adapters.Products{
		"no cache": func() adapters.Products { return adapters.Products{} },
		"cache":    func() adapters.Products { return adapters.WithCache(10) },
	} {
		t.Run(name, func(t *testing.T) {
			s := openInventory(t, sqlite.Options{})
			repo := repo()
			var last *domain.Product
			change := func(scope adapters.Scope, fn func(p *domain.Product) error) {
				t.Helper()
				last = saveChange(t, s, repo, "SKU-1", now, scope, fn)
			}
			added := now
			addBatch := func(ref string, qty int) {
				added = added.Add(time.Minute) // batches in the order added, not by name
				b, err := domain.NewBatch(ref, "SKU-1", qty, nil, added)
				if err != nil {
					t.Fatal(err)
				}
				change(adapters.Scope{}, func(p *domain.Product) error { return p.AddBatch(b, now) })
			}
			allocate := func(order string, qty int) string {
				var ref string
				change(adapters.Scope{Orders: []string{order}}, func(p *domain.Product) error {
					var err error
					ref, err = p.Allocate(domain.Line{OrderID: order, SKU: "SKU-1", Qty: qty}, now)
					return err
				})
				return ref
			}
			// Twenty used-up batches of one unit, then one with ten units
			// taken by ten lines, then one with stock free.
			for i := range 20 {
				ref := fmt.Sprintf("old-%02d", i)
				addBatch(ref, 1)
				if got := allocate(fmt.Sprintf("o-%02d", i), 1); got != ref {
					t.Fatalf("o-%02d went to %s, want %s", i, got, ref)
				}
			}
			addBatch("full", 10)
			for i := range 10 {
				allocate(fmt.Sprintf("f-%d", i), 1)
			}
			addBatch("free", 100)

			refs := func(p *domain.Product) []string {
				var out []string
				for _, b := range p.Batches {
					out = append(out, b.Ref)
				}
				return out
			}
			orders := func(p *domain.Product) []string {
				var out []string
				for _, a := range p.Allocations {
					out = append(out, a.OrderID)
				}
				return out
			}
			for _, tc := range []struct {
				name          string
				scope         adapters.Scope
				batches, want []string
			}{
				{"a new order", adapters.Scope{Orders: []string{"new"}}, []string{"free"}, nil},
				{"an order in a used-up batch", adapters.Scope{Orders: []string{"o-03"}},
					[]string{"old-03", "free"}, []string{"o-03"}},
				{"a batch growing", adapters.Scope{Batches: []string{"full"}}, []string{"full", "free"}, nil},
				{"a batch kept at what it holds", adapters.Scope{Batch: "full", Keep: 10}, []string{"full", "free"}, nil},
				{"a batch shrunk by three", adapters.Scope{Batch: "full", Keep: 7},
					[]string{"full", "free"}, []string{"f-9", "f-8", "f-7"}},
				{"a batch emptied", adapters.Scope{Batch: "old-05"}, []string{"old-05", "free"}, []string{"o-05"}},
			} {
				loadBoth(t, s, repo, "SKU-1", tc.scope, func(how string, p *domain.Product) {
					if got := refs(p); !slices.Equal(got, tc.batches) {
						t.Errorf("%s, %s: batches %v, want %v", tc.name, how, got, tc.batches)
					}
					if got := orders(p); !slices.Equal(got, tc.want) {
						t.Errorf("%s, %s: lines %v, want %v", tc.name, how, got, tc.want)
					}
				})
			}
			p, err := repo.Load(ctx, s.Read(), "SKU-1", adapters.Scope{All: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Batches) != 22 || len(p.Allocations) != 0 || p.Available() != 100 {
				t.Errorf("whole product: %d batches, %d lines, %d available; want 22, 0, 100",
					len(p.Batches), len(p.Allocations), p.Available())
			}

			// Allocating again a line in a used-up batch changes nothing;
			// cancelling it frees that batch, which a new line then takes.
			if got := allocate("o-07", 1); got != "old-07" {
				t.Errorf("o-07 again went to %s, want old-07 (a no-op)", got)
			}
			change(adapters.Scope{Orders: []string{"o-07"}}, func(p *domain.Product) error {
				p.Cancel("o-07", now)
				return nil
			})
			if got := allocate("new", 1); got != "old-07" {
				t.Errorf("a new line after o-07's cancel went to %s, want old-07 (warehouse stock, oldest)", got)
			}
			// Shrinking the full batch by two takes out its two most recent lines.
			change(adapters.Scope{Batch: "full", Keep: 8}, func(p *domain.Product) error {
				return p.ChangeBatchQuantity("full", 8, now)
			})
			var taken []string
			for _, e := range last.Events {
				if d, ok := e.(domain.Deallocated); ok {
					taken = append(taken, d.Allocation.OrderID)
				}
			}
			if !slices.Equal(taken, []string{"f-9", "f-8"}) {
				t.Errorf("shrinking full to 8 took out %v, want [f-9 f-8]", taken)
			}
			b, err := repo.Batch(ctx, s.Read(), "full")
			if err != nil || b.Qty != 8 || b.Allocated != 8 {
				t.Errorf("full after the shrink: %+v, %v; want qty 8, allocated 8", b, err)
			}
		})
	}
}

// With OwnWaiting a load reads only the scope's orders' waiting lines (and
// the product's waiting total); every other load reads them all, also
// from the cache after a save of a product loaded with only its own.
func TestOwnWaitingLoadsOnlyTheOrdersWaitingLines(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for name, repo := range map[string]func() adapters.Products{
		"no cache": func() adapters.Products { return adapters.Products{} },
		"cache":    func() adapters.Products { return adapters.WithCache(10) },
	} {
		t.Run(name, func(t *testing.T) {
			s := openInventory(t, sqlite.Options{})
			repo := repo()
			change := func(scope adapters.Scope, fn func(p *domain.Product) error) {
				t.Helper()
				saveChange(t, s, repo, "SKU-W", now, scope, fn)
			}
			addBatch := func(ref string, qty int) {
				b, err := domain.NewBatch(ref, "SKU-W", qty, nil, now)
				if err != nil {
					t.Fatal(err)
				}
				change(adapters.Scope{}, func(p *domain.Product) error { return p.AddBatch(b, now) })
			}
			allocate := func(order string, qty int) {
				change(adapters.Scope{Orders: []string{order}, OwnWaiting: true}, func(p *domain.Product) error {
					_, err := p.Allocate(domain.Line{OrderID: order, SKU: "SKU-W", Qty: qty}, now)
					if errors.Is(err, domain.ErrOutOfStock) {
						return nil
					}
					return err
				})
			}
			addBatch("b-1", 2)
			allocate("a", 2)
			for i := range 5 { // w-0 .. w-4 wait, 1 to 5 units
				allocate(fmt.Sprintf("w-%d", i), i+1)
			}
			waiting := func(p *domain.Product) []string {
				var out []string
				for _, bo := range p.Backorders {
					out = append(out, bo.OrderID)
				}
				return out
			}
			all := []string{"w-0", "w-1", "w-2", "w-3", "w-4"}
			for _, tc := range []struct {
				name  string
				scope adapters.Scope
				want  []string
				every bool
			}{
				{"an order waiting", adapters.Scope{Orders: []string{"w-2"}, OwnWaiting: true}, []string{"w-2"}, false},
				{"a new order", adapters.Scope{Orders: []string{"new"}, OwnWaiting: true}, nil, false},
				{"two orders", adapters.Scope{Orders: []string{"w-3", "w-1"}, OwnWaiting: true}, []string{"w-1", "w-3"}, false},
				{"the totals only", adapters.Scope{OwnWaiting: true}, nil, false},
				{"an order, all waiting", adapters.Scope{Orders: []string{"w-2"}}, all, true},
				{"a batch", adapters.Scope{Batch: "b-1", Keep: 1}, all, true},
				{"the whole product", adapters.Scope{All: true, OwnWaiting: true}, all, true},
			} {
				loadBoth(t, s, repo, "SKU-W", tc.scope, func(how string, p *domain.Product) {
					if got := waiting(p); !slices.Equal(got, tc.want) || p.AllWaiting != tc.every || p.Waiting != 15 {
						t.Errorf("%s, %s: waiting %v (all %v), total %d; want %v (all %v), 15",
							tc.name, how, got, p.AllWaiting, p.Waiting, tc.want, tc.every)
					}
				})
			}
			// Stock arrives: the oldest that fit are served, whatever the
			// loads before kept in the cache, and the total follows.
			addBatch("b-2", 7) // w-0 (1), w-1 (2), w-2 (3) take 6; w-3 (4) and w-4 (5) wait
			p, err := repo.Load(ctx, s.Read(), "SKU-W", adapters.Scope{All: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := waiting(p); !slices.Equal(got, []string{"w-3", "w-4"}) || p.Waiting != 9 || p.Available() != 1 {
				t.Errorf("after 7 units arrived: waiting %v, total %d, %d available; want [w-3 w-4], 9, 1", got, p.Waiting, p.Available())
			}
			// A stored total that drifted (a process of an older build
			// wrote the lines) is put right by the next change that reads
			// them all.
			if err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE scm_products SET waiting = 100 WHERE sku = 'SKU-W'`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			addBatch("b-3", 1) // 2 free: neither waiting line fits
			var stored int
			if err := s.Read().QueryRowContext(ctx, `SELECT waiting FROM scm_products WHERE sku = 'SKU-W'`).Scan(&stored); err != nil || stored != 9 {
				t.Errorf("stored waiting total after a drift and a change: %d (%v), want 9", stored, err)
			}
		})
	}
}

// saveChange loads the product with scope for update, applies fn and
// saves it, in one transaction; it returns the product as changed.
func saveChange(t *testing.T, s event.Store, repo adapters.Products, sku string, now time.Time,
	scope adapters.Scope, fn func(p *domain.Product) error) *domain.Product {
	t.Helper()
	var out *domain.Product
	err := s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
		p, err := repo.LoadForUpdate(ctx, tx, sku, scope)
		if err != nil {
			return err
		}
		out = p
		if err := fn(p); err != nil {
			return err
		}
		return repo.Save(ctx, tx, p, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// loadBoth loads the product with scope through Load and LoadForUpdate,
// inside a write transaction, and hands each to check.
func loadBoth(t *testing.T, s event.Store, repo adapters.Products, sku string, scope adapters.Scope,
	check func(how string, p *domain.Product)) {
	t.Helper()
	for _, how := range []string{"Load", "LoadForUpdate"} {
		err := s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
			load := repo.LoadForUpdate
			if how == "Load" {
				load = func(ctx context.Context, tx event.Tx, sku string, scope adapters.Scope) (*domain.Product, error) {
					return repo.Load(ctx, tx, sku, scope)
				}
			}
			p, err := load(ctx, tx, sku, scope)
			if err != nil {
				return err
			}
			check(how, p)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
