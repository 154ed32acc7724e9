package scm

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	invapp "github.com/banchan/banchan/internal/scm/inventory/app"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// BenchmarkAllocate measures the book's allocate command on the durable
// SQLite store with group commit (no HTTP, no relay): 32 concurrent
// callers over fresh order ids and 100 SKUs, as `banchan bench --phases
// allocate` drives it over HTTP. It reports the updates per commit. In
// usedUp=365 each SKU has, before its batch with stock, a year of daily
// batches that are used up (a batch and its line each).
//
//	go test ./internal/scm -run '^$' -bench Allocate -benchtime 20000x
func BenchmarkAllocate(b *testing.B) {
	for _, usedUp := range []int{0, 365} {
		b.Run(fmt.Sprintf("usedUp=%d", usedUp), func(b *testing.B) { benchmarkAllocate(b, usedUp) })
	}
}

// BenchmarkAllocateSoldOut measures allocations of SKUs that are sold
// out: each line waits, behind the lines already waiting (0 or 10,000 per
// SKU, preloaded). 32 callers over 10 SKUs, as BenchmarkAllocate. In
// op=reserve each call is a new cart's reservation instead, refused (out
// of stock) and changing nothing.
//
//	go test ./internal/scm -run '^$' -bench AllocateSoldOut -benchtime 5000x
func BenchmarkAllocateSoldOut(b *testing.B) {
	for _, op := range []string{"allocate", "reserve"} {
		for _, waiting := range []int{0, 10_000} {
			b.Run(fmt.Sprintf("op=%s/waiting=%d", op, waiting), func(b *testing.B) { benchmarkAllocateSoldOut(b, op, waiting) })
		}
	}
}

func benchmarkAllocateSoldOut(b *testing.B, op string, waiting int) {
	ctx := context.Background()
	const skus = 10
	svc := openSoldOut(b, skus, waiting)
	var seq atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			if op == "reserve" {
				_, err := svc.Inventory().Reserve(ctx, fmt.Sprintf("bench-cart-%d", n), fmt.Sprintf("SOLD-%d", n%skus), 1)
				if !errors.Is(err, domain.ErrOutOfStock) {
					b.Errorf("reserve: %v, want out of stock", err)
					return
				}
				continue
			}
			out, err := svc.Inventory().Allocate(ctx, invapp.Allocate{OrderID: fmt.Sprintf("bench-order-%d", n),
				SKU: fmt.Sprintf("SOLD-%d", n%skus), Qty: 1})
			if err != nil || !out.Backordered {
				b.Errorf("allocate: %+v %v, want backordered", out, err)
				return
			}
		}
	})
	b.StopTimer()
	unit := map[string]string{"allocate": "allocations/s", "reserve": "reservations/s"}[op]
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
}

// openSoldOut opens the service with skus SKUs SOLD-0... that are sold out
// (one unit, taken), each with waiting lines already waiting (seq 1 to
// waiting, one unit each).
func openSoldOut(b *testing.B, skus, waiting int) *Service {
	ctx := context.Background()
	st, svc := openBenchService(b)
	for i := range skus {
		// One unit, taken: the SKU is known and sold out.
		if _, err := svc.Inventory().AddBatch(ctx, invapp.AddBatch{Ref: fmt.Sprintf("sold-%d", i),
			SKU: fmt.Sprintf("SOLD-%d", i), Qty: 1}); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Inventory().Allocate(ctx, invapp.Allocate{OrderID: fmt.Sprintf("first-%d", i),
			SKU: fmt.Sprintf("SOLD-%d", i), Qty: 1}); err != nil {
			b.Fatal(err)
		}
	}
	err := st.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		for i := range skus {
			sku := fmt.Sprintf("SOLD-%d", i)
			for w := range waiting {
				if _, err := tx.ExecContext(ctx, `INSERT INTO scm_backorders (order_id, sku, qty, seq, since) VALUES (?, ?, 1, ?, ?)`,
					fmt.Sprintf("waiting-%d-%d", i, w), sku, w+1, t0.Format("2006-01-02T15:04:05.000000000Z")); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE scm_products SET next_seq = ?, waiting = ?, version = version + 1 WHERE sku = ?`,
				waiting+1, waiting, sku); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// BenchmarkProductView measures GET /v1/products/{sku}'s read (no HTTP)
// of a sold-out SKU with 0 or 10,000 waiting lines: its first page of
// 100 (page=100), and, as the baseline, every waiting line at once
// (page=all, what the view read before it was paged). 16 readers over 10
// SKUs.
//
//	go test ./internal/scm -run '^$' -bench ProductView -benchtime 2000x
func BenchmarkProductView(b *testing.B) {
	for _, waiting := range []int{0, 10_000} {
		for _, page := range []string{"100", "all"} {
			b.Run(fmt.Sprintf("waiting=%d/page=%s", waiting, page), func(b *testing.B) {
				const skus = 10
				svc := openSoldOut(b, skus, waiting)
				limit := 100
				if page == "all" {
					limit = waiting + 1
				}
				ctx := context.Background()
				var seq atomic.Int64
				b.SetParallelism(8)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						p, err := svc.Inventory().Product(ctx, fmt.Sprintf("SOLD-%d", seq.Add(1)%skus), adapters.WaitingPage{Limit: limit}, adapters.BatchPage{Limit: 100})
						if err != nil || p.Waiting != waiting || len(p.Backorders) != min(limit, waiting) {
							b.Errorf("view: %v, waiting %d with %d lines; want %d with %d", err, p.Waiting, len(p.Backorders), waiting, min(limit, waiting))
							return
						}
					}
				})
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "views/s")
			})
		}
	}
}

// openBenchService opens the service on a durable SQLite store of the
// benchmark's own, closed when it ends.
func openBenchService(b *testing.B) (*sqlstore.Store, *Service) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	svc, err := New(ctx, st, st, Options{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return st, svc
}

func benchmarkAllocate(b *testing.B, usedUp int) {
	ctx := context.Background()
	st, svc := openBenchService(b)
	const skus = 100
	err := st.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		for i := range skus {
			for d := range usedUp {
				ref, at := fmt.Sprintf("used-%d-%d", i, d), t0.AddDate(-1, 0, d).Format("2006-01-02T15:04:05.000000000Z")
				if _, err := tx.ExecContext(ctx, `INSERT INTO scm_batches (ref, sku, qty, eta, added_at, allocated, reserved)
					VALUES (?, ?, 1, '', ?, 1, 0)`, ref, fmt.Sprintf("BENCH-%d", i), at); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO scm_allocations (order_id, item_code, qty, batch_ref, allocated_at, seq)
					VALUES (?, ?, 1, ?, ?, ?)`, "old-"+ref, fmt.Sprintf("BENCH-%d", i), ref, at, d+1); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for i := range skus {
		if _, err := svc.Inventory().AddBatch(ctx, invapp.AddBatch{Ref: fmt.Sprintf("bench-%d", i),
			SKU: fmt.Sprintf("BENCH-%d", i), Qty: 10_000_000}); err != nil {
			b.Fatal(err)
		}
	}
	before := st.CommitStats()
	var seq atomic.Int64
	b.SetParallelism(16) // 32 callers on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			if _, err := svc.Inventory().Allocate(ctx, invapp.Allocate{OrderID: fmt.Sprintf("bench-order-%d", n),
				SKU: fmt.Sprintf("BENCH-%d", n%skus), Qty: 1}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	after := st.CommitStats()
	if c := after.Commits - before.Commits; c > 0 {
		b.ReportMetric(float64(after.Updates-before.Updates)/float64(c), "updates/commit")
		b.ReportMetric(float64((after.SyncTime-before.SyncTime).Microseconds())/float64(after.Syncs-before.Syncs), "µs/sync")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "allocations/s")
}
