package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// A scoped load decides as a product loaded whole would: random commands
// run on a product loaded with a scope from SQLite, and saved, and on one
// kept whole in memory; their events, batches and lines must agree after
// every step, with and without the cache. Lines taken out by a quantity
// change are placed again, as the application does.
func TestScopedLoadDecidesAsTheWholeProduct(t *testing.T) {
	for seed := uint64(1); seed <= 15; seed++ {
		for _, cache := range []bool{false, true} {
			t.Run(fmt.Sprintf("seed%d-cache%v", seed, cache), func(t *testing.T) { runDiff(t, seed, cache) })
		}
	}
}

func evs(es []domain.Event) []string {
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%T %+v", e, e))
	}
	return out
}

func runDiff(t *testing.T, seed uint64, cache bool) {
	ctx := context.Background()
	s := openInventory(t, sqlite.Options{})
	repo := adapters.Products{}
	if cache {
		repo = adapters.WithCache(10)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	full := domain.NewProduct("S")
	nb, no, nc := 0, 0, 0
	// step applies fn to both; then, as app.change does, reallocates what was taken.
	var step func(name string, scope adapters.Scope, fn func(p *domain.Product) error)
	step = func(name string, scope adapters.Scope, fn func(p *domain.Product) error) {
		var got []domain.Event
		var taken []domain.Allocation
		errDB := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
			p, err := repo.LoadForUpdate(ctx, tx, "S", scope)
			if err != nil {
				return err
			}
			err = p.Attempt(fn)
			if errors.Is(err, domain.ErrAllWaitingNeeded) && scope.OwnWaiting { // as app.change does
				sc := scope
				sc.OwnWaiting = false
				if p, err = repo.LoadForUpdate(ctx, tx, "S", sc); err != nil {
					return err
				}
				err = fn(p)
			}
			if err != nil {
				return err
			}
			got = p.Events
			if len(p.Events) == 0 {
				return nil
			}
			return repo.Save(ctx, tx, p, now)
		})
		full.Events = nil
		slices.SortStableFunc(full.Allocations, func(x, y domain.Allocation) int { return int(x.Seq - y.Seq) })
		errMem := fn(full)
		want := full.Events
		if (errDB == nil) != (errMem == nil) {
			t.Fatalf("%s: db err %v, mem err %v", name, errDB, errMem)
		}
		if errDB != nil {
			full.Events = nil
			return
		}
		if !slices.Equal(evs(got), evs(want)) {
			t.Fatalf("%s: events differ\n db: %v\nmem: %v", name, evs(got), evs(want))
		}
		for _, e := range want {
			switch e := e.(type) {
			case domain.Deallocated:
				if !e.Final {
					taken = append(taken, e.Allocation)
				}
			case domain.ReservationDisplaced:
				taken = append(taken, e.Allocation)
			}
		}
		full.Events = nil
		compare(t, ctx, s, repo, full, name)
		if len(taken) > 0 {
			var sc adapters.Scope
			for _, a := range taken {
				if a.Reservation() {
					sc.Carts = append(sc.Carts, a.CartID)
				} else {
					sc.Orders = append(sc.Orders, a.OrderID)
				}
			}
			step(name+"/reallocate", sc, func(p *domain.Product) error { return p.Reallocate(taken, now) })
		}
	}
	for range 150 {
		now = now.Add(time.Minute)
		switch k := rng.IntN(10); {
		case k == 0 || nb == 0:
			nb++
			var eta *string
			if rng.IntN(3) == 0 {
				d := fmt.Sprintf("2027-01-%02d", 1+rng.IntN(20))
				eta = &d
			}
			b, _ := domain.NewBatch(fmt.Sprintf("b%03d", nb), "S", 1+rng.IntN(6), eta, now)
			step("add", adapters.Scope{}, func(p *domain.Product) error { return p.AddBatch(b, now) })
		case k <= 2:
			no++
			l := domain.Line{OrderID: fmt.Sprintf("o%d", no), SKU: "S", Qty: 1 + rng.IntN(4)}
			if rng.IntN(4) == 0 && no > 1 {
				l.OrderID = fmt.Sprintf("o%d", 1+rng.IntN(no-1))
			}
			// As the application allocates: with the line's own waiting line only.
			step("allocate "+l.OrderID, adapters.Scope{Orders: []string{l.OrderID}, OwnWaiting: true}, func(p *domain.Product) error {
				_, err := p.Allocate(l, now)
				return outOfStockIsFine(err)
			})
		case k == 3:
			nc++
			c := fmt.Sprintf("c%d", 1+rng.IntN(nc))
			q := 1 + rng.IntN(4)
			until := now.Add(time.Duration(1+rng.IntN(10)) * time.Minute)
			step("reserve "+c, adapters.Scope{Carts: []string{c}, OwnWaiting: true}, func(p *domain.Product) error {
				_, err := p.Reserve(c, q, until, now)
				return outOfStockIsFine(err)
			})
		case k == 4 && rng.IntN(3) == 0: // a fulfilment order without a cart, as the application loads it
			no++
			l := domain.Line{OrderID: fmt.Sprintf("o%d", no), SKU: "S", Qty: 1 + rng.IntN(4)}
			step("fromcart "+l.OrderID+" no cart", adapters.Scope{Orders: []string{l.OrderID}, OwnWaiting: true}, func(p *domain.Product) error {
				_, err := p.AllocateFromCart(l, "", now)
				return outOfStockIsFine(err)
			})
		case k == 4 && nc > 0:
			no++
			o := fmt.Sprintf("o%d", no)
			c := fmt.Sprintf("c%d", 1+rng.IntN(nc))
			l := domain.Line{OrderID: o, SKU: "S", Qty: 1 + rng.IntN(4)}
			step("fromcart "+o+" "+c, adapters.Scope{Orders: []string{o}, Carts: []string{c}, OwnWaiting: true}, func(p *domain.Product) error {
				_, err := p.AllocateFromCart(l, c, now)
				return outOfStockIsFine(err)
			})
		case k == 5 && nc > 0:
			c := fmt.Sprintf("c%d", 1+rng.IntN(nc))
			step("release "+c, adapters.Scope{Carts: []string{c}, OwnWaiting: true}, func(p *domain.Product) error { p.Release(c, "released", now); return nil })
		case k == 6:
			step("expire", adapters.Scope{Due: now}, func(p *domain.Product) error { p.Expire(now); return nil })
		case k == 7 && no > 0:
			o := fmt.Sprintf("o%d", 1+rng.IntN(no))
			step("cancel "+o, adapters.Scope{Orders: []string{o}}, func(p *domain.Product) error { p.Cancel(o, now); return nil })
		default:
			ref := fmt.Sprintf("b%03d", 1+rng.IntN(nb))
			q := rng.IntN(8)
			var cur int
			for _, b := range full.Batches {
				if b.Ref == ref {
					cur = b.Qty
				}
			}
			switch rng.IntN(3) {
			case 0:
				step("change "+ref, adapters.Scope{Batch: ref, Keep: q}, func(p *domain.Product) error { return p.ChangeBatchQuantity(ref, q, now) })
			case 1: // receive more
				step("receive+ "+ref, adapters.Scope{Batches: []string{ref}}, func(p *domain.Product) error { return p.ChangeBatchQuantity(ref, cur+q, now) })
			default: // receive less
				nq := max(0, cur-q)
				step("receive- "+ref, adapters.Scope{Batch: ref}, func(p *domain.Product) error { return p.ChangeBatchQuantity(ref, nq, now) })
			}
		}
	}
}

// outOfStockIsFine treats running out of stock as an outcome, not a failure.
func outOfStockIsFine(err error) error {
	if errors.Is(err, domain.ErrOutOfStock) {
		return nil
	}
	return err
}

func compare(t *testing.T, ctx context.Context, s event.Store, repo adapters.Products, full *domain.Product, name string) {
	t.Helper()
	p, err := repo.Load(ctx, s.Read(), "S", adapters.Scope{All: true})
	if err != nil {
		t.Fatal(err)
	}
	bs := func(x []domain.Batch) []string {
		var o []string
		for _, b := range x {
			o = append(o, fmt.Sprintf("%s q%d a%d r%d", b.Ref, b.Qty, b.Allocated, b.Reserved))
		}
		sort.Strings(o)
		return o
	}
	if !slices.Equal(bs(p.Batches), bs(full.Batches)) {
		t.Fatalf("%s: batches differ\n db: %v\nmem: %v", name, bs(p.Batches), bs(full.Batches))
	}
	if !slices.Equal(p.Backorders, full.Backorders) || p.Version == 0 && len(full.Batches) > 0 {
		t.Fatalf("%s: backorders %v vs %v", name, p.Backorders, full.Backorders)
	}
	if p.Waiting != full.Waiting {
		t.Fatalf("%s: %d units waiting, want %d", name, p.Waiting, full.Waiting)
	}
	// Allocation rows vs memory.
	rows, err := s.Read().QueryContext(ctx, `SELECT order_id, qty, batch_ref, seq FROM scm_allocations ORDER BY order_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var db []string
	for rows.Next() {
		var o, r string
		var q int
		var sq int64
		if err := rows.Scan(&o, &q, &r, &sq); err != nil {
			t.Fatal(err)
		}
		db = append(db, fmt.Sprintf("%s %d %s %d", o, q, r, sq))
	}
	var mem []string
	for _, a := range full.Allocations {
		o := a.OrderID
		if a.Reservation() {
			o = "cart:" + a.CartID
		}
		mem = append(mem, fmt.Sprintf("%s %d %s %d", o, a.Qty, a.BatchRef, a.Seq))
	}
	sort.Strings(db)
	sort.Strings(mem)
	if !slices.Equal(db, mem) {
		t.Fatalf("%s: allocations differ\n db: %v\nmem: %v", name, db, mem)
	}
}
