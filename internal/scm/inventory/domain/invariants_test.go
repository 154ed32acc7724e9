package domain

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestInvariantsHoldUnderRandomOperations drives products through random
// sequences of every operation and checks, after each one, what must
// always hold: no batch gives more than it has, batch totals match their
// lines and holds, a line is allocated or waiting (never both), waiting
// lines are in age order, and none waits that some batch could take.
func TestInvariantsHoldUnderRandomOperations(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			p := product(t, batch("b-0", "", 1+rng.IntN(8), 0))
			now := t0
			batches, orders := 1, 0
			for step := range 60 {
				now = now.Add(time.Duration(rng.IntN(90)) * time.Second)
				op := randomOp(t, rng, p, now, &batches, &orders)
				if err := checkInvariants(p); err != nil {
					t.Fatalf("step %d (%s): %v\nbatches %+v\nallocations %+v\nbackorders %+v",
						step, op, err, p.Batches, p.Allocations, p.Backorders)
				}
				p.Events = nil
			}
		})
	}
}

func randomOp(t *testing.T, rng *rand.Rand, p *Product, now time.Time, batches, orders *int) string {
	t.Helper()
	order := func() string { return fmt.Sprintf("o-%d", rng.IntN(*orders+1)) }
	cart := func() string { return fmt.Sprintf("cart-%d", rng.IntN(4)) }
	ref := func() string { return fmt.Sprintf("b-%d", rng.IntN(*batches)) }
	qty := func() int { return 1 + rng.IntN(4) }
	switch n := rng.IntN(10); n {
	case 0, 1, 2:
		*orders++
		l := line(fmt.Sprintf("o-%d", *orders), qty())
		if _, err := p.Allocate(l, now); err != nil && !errors.Is(err, ErrOutOfStock) {
			t.Fatal(err)
		}
		return "allocate " + l.OrderID
	case 3:
		c := cart()
		if _, err := p.Reserve(c, qty(), now.Add(time.Duration(1+rng.IntN(5))*time.Minute), now); err != nil && !errors.Is(err, ErrOutOfStock) {
			t.Fatal(err)
		}
		return "reserve " + c
	case 4:
		c := cart()
		p.Release(c, "released", now)
		return "release " + c
	case 5:
		r, q := ref(), rng.IntN(10)
		if err := p.ChangeBatchQuantity(r, q, now); err != nil {
			t.Fatal(err)
		}
		reallocate(t, p)
		return fmt.Sprintf("change %s to %d", r, q)
	case 6:
		eta := ""
		if rng.IntN(2) == 0 {
			eta = fmt.Sprintf("2026-12-%02d", 2+rng.IntN(20))
		}
		b := batch(fmt.Sprintf("b-%d", *batches), eta, 1+rng.IntN(6), time.Duration(*batches)*time.Minute)
		*batches++
		if err := p.AddBatch(b, now); err != nil {
			t.Fatal(err)
		}
		return "add " + b.Ref
	case 7:
		o := order()
		p.Cancel(o, now)
		return "cancel " + o
	case 8:
		*orders++
		c, l := cart(), line(fmt.Sprintf("o-%d", *orders), qty())
		if _, err := p.AllocateFromCart(l, c, now); err != nil && !errors.Is(err, ErrOutOfStock) {
			t.Fatal(err)
		}
		return "order " + l.OrderID + " from " + c
	default:
		n := p.Expire(now)
		return fmt.Sprintf("expire (%d)", n)
	}
}

func checkInvariants(p *Product) error {
	allocated, reserved := map[string]int{}, map[string]int{}
	lines := map[string]bool{}
	for _, a := range p.Allocations {
		if p.batch(a.BatchRef) == nil {
			return fmt.Errorf("%+v is in no batch", a)
		}
		if a.Reservation() {
			reserved[a.BatchRef] += a.Qty
			continue
		}
		if lines[a.OrderID] {
			return fmt.Errorf("order %s allocated twice", a.OrderID)
		}
		lines[a.OrderID] = true
		allocated[a.BatchRef] += a.Qty
	}
	for _, b := range p.Batches {
		switch {
		case b.Available() < 0:
			return fmt.Errorf("batch %s gives more than it has: %+v", b.Ref, b)
		case b.Allocated != allocated[b.Ref] || b.Reserved != reserved[b.Ref]:
			return fmt.Errorf("batch %s totals %d/%d, lines %d/%d", b.Ref, b.Allocated, b.Reserved, allocated[b.Ref], reserved[b.Ref])
		}
	}
	if !slices.IsSortedFunc(p.Backorders, func(a, b Backorder) int { return int(a.Seq - b.Seq) }) {
		return errors.New("waiting lines out of age order")
	}
	waiting := 0
	for _, bo := range p.Backorders {
		waiting += bo.Qty
	}
	if p.AllWaiting && waiting != p.Waiting {
		return fmt.Errorf("waiting lines of %d units, Waiting says %d", waiting, p.Waiting)
	}
	for _, bo := range p.Backorders {
		if lines[bo.OrderID] {
			return fmt.Errorf("order %s both allocated and waiting", bo.OrderID)
		}
		if p.choose(bo.Qty) != nil {
			return fmt.Errorf("order %s waits though a batch has room for %d", bo.OrderID, bo.Qty)
		}
	}
	return nil
}
