package adapters_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
)

// TestProductViewPages pages through a product's waiting lines at every
// page size and checks that each line shows once, oldest first (by seq,
// with gaps where lines left the list).
func TestProductViewPages(t *testing.T) {
	ctx := context.Background()
	s := openInventory(t, sqlite.Options{})
	// seq of each waiting line, in the order the view must show them.
	seqs := []int64{1, 2, 3, 5, 8, 9, 10, 12, 15, 16, 20, 21}
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO scm_products (sku, version, next_seq, waiting) VALUES ('S', 1, 22, ?)`, len(seqs)); err != nil {
			return err
		}
		for i, seq := range seqs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO scm_backorders (order_id, sku, qty, seq, since)
				VALUES (?, 'S', 1, ?, '2026-12-01T00:00:00.000000000Z')`, fmt.Sprintf("o-%02d", i), seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range seqs {
		want = append(want, fmt.Sprintf("o-%02d", i))
	}
	var repo adapters.Products
	for limit := 1; limit <= len(seqs)+1; limit++ {
		var got []string
		page := adapters.WaitingPage{Limit: limit}
		for pages := 1; ; pages++ {
			p, more, err := repo.ProductView(ctx, s.Read(), "S", page)
			if err != nil {
				t.Fatal(err)
			}
			if p.Waiting != len(seqs) || len(p.Backorders) == 0 || pages > len(seqs) {
				t.Fatalf("limit %d, page %d: waiting %d, %d lines", limit, pages, p.Waiting, len(p.Backorders))
			}
			for _, bo := range p.Backorders {
				got = append(got, bo.OrderID)
			}
			if !more {
				break
			}
			page.After = p.Backorders[len(p.Backorders)-1].Seq
		}
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: pages gave %v, want %v", limit, got, want)
		}
	}
	p, more, err := repo.ProductView(ctx, s.Read(), "S", adapters.WaitingPage{After: 21, Limit: 5})
	if err != nil || len(p.Backorders) != 0 || more {
		t.Errorf("after the last seq: %d lines, more %v, %v; want none", len(p.Backorders), more, err)
	}
}
