package adapters_test

import (
	"context"
	"errors"
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
			p, err := repo.ProductView(ctx, s.Read(), "S", page, adapters.BatchPage{})
			more := p.MoreWaiting
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
	p, err := repo.ProductView(ctx, s.Read(), "S", adapters.WaitingPage{After: 21, Limit: 5}, adapters.BatchPage{})
	if err != nil || len(p.Backorders) != 0 || p.MoreWaiting {
		t.Errorf("after the last seq: %d lines, more %v, %v; want none", len(p.Backorders), p.MoreWaiting, err)
	}
}

// TestBatchesPageInPreference pages through a SKU's batches at every page
// size: warehouse stock first, then the earliest ETA, ties by when added
// then by ref; each batch once, the stock totals over all of them, and a
// cursor that names no batch of the SKU refused.
func TestBatchesPageInPreference(t *testing.T) {
	ctx := context.Background()
	s := openInventory(t, sqlite.Options{})
	// ref, eta, added_at, qty, allocated, in the order of preference.
	rows := []struct {
		ref, eta, at   string
		qty, allocated int
	}{
		{"w-2", "", "2026-11-01T00:00:00.000000000Z", 5, 5},
		{"w-1", "", "2026-11-02T00:00:00.000000000Z", 5, 1},
		{"w-3", "", "2026-11-02T00:00:00.000000000Z", 5, 0},
		{"e-1", "2026-12-05", "2026-11-01T00:00:00.000000000Z", 7, 0},
		{"e-0", "2026-12-06", "2026-10-01T00:00:00.000000000Z", 3, 3},
		{"e-2", "2026-12-06", "2026-11-03T00:00:00.000000000Z", 2, 0},
	}
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		for _, r := range []struct{ ref, eta, at string }{{"x-1", "", "2026-10-01T00:00:00.000000000Z"}} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO scm_batches (ref, sku, qty, eta, added_at) VALUES (?, 'OTHER', 9, ?, ?)`, r.ref, r.eta, r.at); err != nil {
				return err
			}
		}
		for i := len(rows) - 1; i >= 0; i-- { // inserted out of order
			r := rows[i]
			if _, err := tx.ExecContext(ctx, `INSERT INTO scm_batches (ref, sku, qty, eta, added_at, allocated) VALUES (?, 'S', ?, ?, ?, ?)`,
				r.ref, r.qty, r.eta, r.at, r.allocated); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range rows {
		want = append(want, r.ref)
	}
	var repo adapters.Products
	for limit := 1; limit <= len(rows)+1; limit++ {
		var got []string
		page := adapters.BatchPage{Limit: limit}
		for pages := 1; ; pages++ {
			bs, next, err := repo.BatchesOf(ctx, s.Read(), "S", page)
			if err != nil || len(bs) == 0 || pages > len(rows) {
				t.Fatalf("limit %d, page %d: %d batches, %v", limit, pages, len(bs), err)
			}
			for _, b := range bs {
				got = append(got, b.Ref)
			}
			if next == "" {
				break
			}
			page.After = next
		}
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: pages gave %v, want %v", limit, got, want)
		}
	}
	v, err := repo.ProductView(ctx, s.Read(), "S", adapters.WaitingPage{}, adapters.BatchPage{Limit: 2})
	if err != nil || v.Stock != (adapters.Stock{Batches: 6, Available: 4 + 5 + 7 + 2}) || len(v.Batches) != 2 || v.BatchesNext != "w-1" {
		t.Errorf("view with 2 batches a page: stock %+v, %d batches, next %q, %v; want 6 batches, 18 available, next w-1",
			v.Stock, len(v.Batches), v.BatchesNext, err)
	}
	for _, after := range []string{"x-1", "nope"} {
		if _, _, err := repo.BatchesOf(ctx, s.Read(), "S", adapters.BatchPage{After: after, Limit: 2}); !errors.Is(err, adapters.ErrUnknownAfter) {
			t.Errorf("after %s: %v, want ErrUnknownAfter", after, err)
		}
	}
	if bs, next, err := repo.BatchesOf(ctx, s.Read(), "S", adapters.BatchPage{}); len(bs) != 0 || next != "" || err != nil {
		t.Errorf("a page of 0: %d batches, next %q, %v; want none", len(bs), next, err)
	}
	if st, err := repo.StockOf(ctx, s.Read(), "NEW"); err != nil || st != (adapters.Stock{}) {
		t.Errorf("stock of a SKU never seen: %+v, %v", st, err)
	}
}
