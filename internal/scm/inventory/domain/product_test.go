package domain

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func batch(ref, eta string, qty int, age time.Duration) Batch {
	return Batch{Ref: ref, SKU: "S", Qty: qty, ETA: eta, AddedAt: t0.Add(age)}
}

func product(t *testing.T, bs ...Batch) *Product {
	t.Helper()
	p := NewProduct("S")
	for _, b := range bs {
		if err := p.AddBatch(b, t0); err != nil {
			t.Fatal(err)
		}
	}
	p.Events = nil
	return p
}

func line(order string, qty int) Line { return Line{OrderID: order, SKU: "S", Qty: qty} }

func TestAllocatePrefersWarehouseThenEarliestETA(t *testing.T) {
	cases := []struct {
		name    string
		batches []Batch
		qty     int
		want    string
	}{
		{"warehouse before shipment", []Batch{batch("ship", "2026-12-02", 10, 0), batch("wh", "", 10, time.Hour)}, 1, "wh"},
		{"earliest eta", []Batch{batch("late", "2027-01-05", 10, 0), batch("soon", "2026-12-10", 10, time.Hour)}, 1, "soon"},
		{"oldest warehouse batch", []Batch{batch("new", "", 10, time.Hour), batch("old", "", 10, 0)}, 1, "old"},
		{"skip a batch without room", []Batch{batch("small", "", 1, 0), batch("room", "2026-12-03", 10, 0)}, 2, "room"},
		{"exact fit", []Batch{batch("a", "", 2, 0)}, 2, "a"},
		{"out of stock", []Batch{batch("a", "", 1, 0), batch("b", "2026-12-24", 1, 0)}, 2, ""},
		{"no batches", nil, 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := product(t, c.batches...)
			ref, err := p.Allocate(line("o-1", c.qty), t0)
			switch {
			case c.want == "" && !errors.Is(err, ErrOutOfStock):
				t.Errorf("got %q, %v; want ErrOutOfStock", ref, err)
			case c.want == "" && (len(p.Backorders) != 1 || !hasEvent[OutOfStock](p) || !hasEvent[Backordered](p)):
				t.Errorf("out of stock line not backordered with events: %+v %v", p.Backorders, p.Events)
			case c.want != "" && (err != nil || ref != c.want || !hasEvent[Allocated](p)):
				t.Errorf("got %q, %v; want %s with an Allocated event", ref, err, c.want)
			}
		})
	}
}

func hasEvent[E Event](p *Product) bool {
	for _, e := range p.Events {
		if _, ok := e.(E); ok {
			return true
		}
	}
	return false
}

func TestAllocatingTheSameLineTwiceIsANoOp(t *testing.T) {
	p := product(t, batch("a", "", 10, 0))
	first, _ := p.Allocate(line("o-1", 3), t0)
	p.Events = nil
	again, err := p.Allocate(line("o-1", 3), t0)
	if err != nil || again != first || len(p.Events) != 0 || p.Available() != 7 {
		t.Errorf("repeat: %q %v, %d events, available %d; want a no-op", again, err, len(p.Events), p.Available())
	}
	if _, err := p.Allocate(Line{OrderID: "o-2", SKU: "OTHER", Qty: 1}, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("line of another SKU: %v, want ErrInvalid", err)
	}
	if _, err := p.Allocate(line("o-3", 0), t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero qty: %v, want ErrInvalid", err)
	}
}

func TestChangeBatchQuantityDeallocatesMostRecentFirst(t *testing.T) {
	cases := []struct {
		name        string
		newQty      int
		deallocated []string
	}{
		{"still fits", 10, nil},
		{"one line out", 8, []string{"o-3"}},
		{"two lines out", 5, []string{"o-3", "o-2"}},
		{"all out", 0, []string{"o-3", "o-2", "o-1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := product(t, batch("a", "", 10, 0))
			for i, q := range []int{4, 3, 3} {
				if _, err := p.Allocate(line(fmt.Sprintf("o-%d", i+1), q), t0); err != nil {
					t.Fatal(err)
				}
			}
			p.Events = nil
			if err := p.ChangeBatchQuantity("a", c.newQty, t0); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range p.Events {
				if d, ok := e.(Deallocated); ok {
					got = append(got, d.Allocation.OrderID)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.deallocated) {
				t.Errorf("deallocated %v, want %v", got, c.deallocated)
			}
			if p.Available() < 0 || p.batch("a").Available() < 0 {
				t.Errorf("batch over-allocated after change: %+v", p.batch("a"))
			}
		})
	}
}

func TestReallocationMovesLinesOrBackordersThem(t *testing.T) {
	p := product(t, batch("wh", "", 5, 0), batch("ship", "2026-12-20", 3, 0))
	for _, o := range []string{"o-1", "o-2"} {
		if ref, err := p.Allocate(line(o, 2), t0); err != nil || ref != "wh" {
			t.Fatalf("%s on %q, %v", o, ref, err)
		}
	}
	p.Events = nil
	if err := p.ChangeBatchQuantity("wh", 0, t0); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range p.Events {
		if d, ok := e.(Deallocated); ok {
			out = append(out, d.Allocation.OrderID)
		}
	}
	if fmt.Sprint(out) != "[o-2 o-1]" {
		t.Errorf("taken out %v, want the most recent first", out)
	}
	reallocate(t, p)
	// Placed again oldest first: o-1 takes the shipment, o-2 no longer fits.
	if i := p.allocationOf("o-1"); i < 0 || p.Allocations[i].BatchRef != "ship" {
		t.Errorf("allocations %+v, want o-1 on ship", p.Allocations)
	}
	if len(p.Backorders) != 1 || p.Backorders[0].OrderID != "o-2" {
		t.Errorf("backorders %+v, want o-2 waiting", p.Backorders)
	}
	// A repeated reallocation message changes nothing.
	p.Events = nil
	if err := p.Reallocate([]Allocation{{Line: line("o-1", 2), Seq: 1}, {Line: line("o-2", 2), Seq: 2}}, t0); err != nil || len(p.Events) != 0 {
		t.Errorf("repeat: %v, events %v", err, p.Events)
	}
}

func TestStockArrivingFillsBackordersOldestFirst(t *testing.T) {
	p := product(t)
	for i, q := range []int{3, 5, 1} {
		if _, err := p.Allocate(line(fmt.Sprintf("o-%d", i+1), q), t0); !errors.Is(err, ErrOutOfStock) {
			t.Fatal(err)
		}
	}
	p.Events = nil
	if err := p.AddBatch(batch("a", "", 5, 0), t0); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range p.Events {
		if a, ok := e.(Allocated); ok && a.FromBackorder {
			got = append(got, a.Allocation.OrderID)
		}
	}
	// o-1 (3) first; o-2 (5) does not fit in the 2 left; o-3 (1) does.
	if fmt.Sprint(got) != "[o-1 o-3]" || len(p.Backorders) != 1 || p.Backorders[0].OrderID != "o-2" {
		t.Errorf("filled %v, waiting %+v", got, p.Backorders)
	}
	p.Events = nil
	if err := p.ChangeBatchQuantity("a", 9, t0); err != nil || !hasEvent[Allocated](p) || len(p.Backorders) != 0 {
		t.Errorf("growing the batch did not allocate o-2: %v %+v", err, p.Backorders)
	}
	if err := p.AddBatch(batch("a", "", 1, 0), t0); !errors.Is(err, ErrDuplicateBatch) {
		t.Errorf("duplicate batch: %v", err)
	}
}

// reallocate does what the application does after a quantity change:
// it places again what the change took out.
func reallocate(t *testing.T, p *Product) {
	t.Helper()
	var taken []Allocation
	for _, e := range p.Events {
		switch e := e.(type) {
		case Deallocated:
			if !e.Final {
				taken = append(taken, e.Allocation)
			}
		case ReservationDisplaced:
			taken = append(taken, e.Allocation)
		}
	}
	if err := p.Reallocate(taken, t0); err != nil {
		t.Fatal(err)
	}
}

func TestLinesKeepTheirAgeThroughReallocation(t *testing.T) {
	// o-1 … o-4 of 2 each in a (10); b (3) arrives later. a shrinks to 3:
	// o-4, o-3, o-2 come out (most recent first) and go back oldest first:
	// o-2 to b, o-3 and o-4 wait, in that order.
	p := product(t, batch("a", "", 10, 0))
	for i := 1; i <= 4; i++ {
		if _, err := p.Allocate(line(fmt.Sprintf("o-%d", i), 2), t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.AddBatch(batch("b", "2026-12-20", 3, time.Hour), t0); err != nil {
		t.Fatal(err)
	}
	p.Events = nil
	if err := p.ChangeBatchQuantity("a", 3, t0); err != nil {
		t.Fatal(err)
	}
	reallocate(t, p)
	var waiting []string
	for _, bo := range p.Backorders {
		waiting = append(waiting, bo.OrderID)
	}
	if i := p.allocationOf("o-2"); i < 0 || p.Allocations[i].BatchRef != "b" || fmt.Sprint(waiting) != "[o-3 o-4]" {
		t.Fatalf("allocations %+v, waiting %v; want o-2 on b, [o-3 o-4] waiting", p.Allocations, waiting)
	}
	// a grows by 2 (3 free): o-3, the older, gets them; o-4 still waits.
	p.Events = nil
	if err := p.ChangeBatchQuantity("a", 5, t0); err != nil {
		t.Fatal(err)
	}
	if i := p.allocationOf("o-3"); i < 0 || p.Allocations[i].BatchRef != "a" || len(p.Backorders) != 1 || p.Backorders[0].OrderID != "o-4" {
		t.Errorf("after growing a: allocations %+v, waiting %+v; want o-3 on a, o-4 waiting", p.Allocations, p.Backorders)
	}
	// a (5) holds o-1 and o-3; down to 2, o-3 comes out, finds no batch
	// with 2 free and waits: ahead of o-4, which is younger.
	p.Events = nil
	if err := p.ChangeBatchQuantity("a", 2, t0); err != nil {
		t.Fatal(err)
	}
	reallocate(t, p)
	waiting = nil
	for _, bo := range p.Backorders {
		waiting = append(waiting, bo.OrderID)
	}
	if fmt.Sprint(waiting) != "[o-3 o-4]" {
		t.Errorf("waiting %v, want [o-3 o-4]", waiting)
	}
}

func TestShrinkingABatchPlacesWhatItLosesOldestFirst(t *testing.T) {
	until := t0.Add(15 * time.Minute)
	// a (6) holds old (3), then a younger cart hold (3); b (3) comes later.
	// a drops to 0: old, the older, gets b; the hold has nowhere to go.
	p := product(t, batch("a", "", 6, 0))
	if _, err := p.Allocate(line("old", 3), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Reserve("cart-1", 3, until, t0); err != nil {
		t.Fatal(err)
	}
	if err := p.AddBatch(batch("b", "2026-12-24", 3, time.Hour), t0); err != nil {
		t.Fatal(err)
	}
	p.Events = nil
	if err := p.ChangeBatchQuantity("a", 0, t0); err != nil {
		t.Fatal(err)
	}
	reallocate(t, p)
	if i := p.allocationOf("old"); i < 0 || p.Allocations[i].BatchRef != "b" {
		t.Errorf("allocations %+v, want old on b", p.Allocations)
	}
	if _, held := p.Reservation("cart-1"); held || !hasEvent[ReservationReleased](p) {
		t.Error("the younger hold kept stock the older line needed")
	}
	// A line waiting already, younger than the one taken out, comes after
	// it: a (4) holds l1 (3) and l2 (1); w (2) waits. a drops to 2: l2 and
	// l1 come out; l1 fits nowhere, l2 goes back, w still waits.
	q := product(t, batch("a", "", 4, 0))
	for _, l := range []Line{line("l1", 3), line("l2", 1), line("w", 2)} {
		_, _ = q.Allocate(l, t0)
	}
	q.Events = nil
	if err := q.ChangeBatchQuantity("a", 2, t0); err != nil {
		t.Fatal(err)
	}
	reallocate(t, q)
	var waiting []string
	for _, bo := range q.Backorders {
		waiting = append(waiting, bo.OrderID)
	}
	if q.allocationOf("l2") < 0 || fmt.Sprint(waiting) != "[l1 w]" {
		t.Errorf("allocations %+v, waiting %v; want l2 allocated, [l1 w] waiting", q.Allocations, waiting)
	}
	for _, b := range append(p.Batches, q.Batches...) {
		if b.Available() < 0 {
			t.Errorf("batch %s over-committed: %+v", b.Ref, b)
		}
	}
}

func TestShrinkingABatchMovesReservationsWhereThereIsRoom(t *testing.T) {
	until := t0.Add(15 * time.Minute)
	cases := []struct {
		name      string
		otherQty  int // room in the other batch
		wantBatch string
	}{
		{"another batch has room", 4, "b"},
		{"no batch has room", 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := product(t, batch("a", "", 6, 0), batch("b", "2026-12-24", c.otherQty, time.Hour))
			if _, err := p.Reserve("cart-1", 4, until, t0); err != nil {
				t.Fatal(err)
			}
			p.Events = nil
			if err := p.ChangeBatchQuantity("a", 3, t0); err != nil {
				t.Fatal(err)
			}
			reallocate(t, p)
			hold, held := p.Reservation("cart-1")
			switch {
			case c.wantBatch == "" && (held || !hasEvent[ReservationReleased](p)):
				t.Errorf("reservation %+v kept with no room for it", hold)
			case c.wantBatch != "" && (!held || hold.BatchRef != c.wantBatch || !hold.Until.Equal(until) || !hasEvent[ReservationMoved](p)):
				t.Errorf("reservation %+v (held %v), want it moved to %s with its expiry", hold, held, c.wantBatch)
			}
			for _, b := range p.Batches {
				if b.Available() < 0 {
					t.Errorf("batch %s over-committed: %+v", b.Ref, b)
				}
			}
		})
	}
}

func TestOrderingMoreThanTheCartReserved(t *testing.T) {
	until := t0.Add(15 * time.Minute)
	// The cart holds 2 of a (3); o-1 orders 4: a cannot take it, b can.
	p := product(t, batch("a", "", 3, 0), batch("b", "2026-12-24", 5, time.Hour))
	if _, err := p.Reserve("cart-1", 2, until, t0); err != nil {
		t.Fatal(err)
	}
	if ref, err := p.AllocateFromCart(line("o-1", 4), "cart-1", t0); err != nil || ref != "b" {
		t.Fatalf("got %q %v, want the line on b", ref, err)
	}
	if _, held := p.Reservation("cart-1"); held || p.batch("a").Available() != 3 {
		t.Errorf("reservation not released: a %+v", p.batch("a"))
	}
	// Nothing can take o-2's 9: it waits, and the stock its cart held goes
	// to o-3, which was waiting.
	q := product(t, batch("a", "", 3, 0))
	if _, err := q.Reserve("cart-2", 2, until, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Allocate(line("o-3", 3), t0); !errors.Is(err, ErrOutOfStock) {
		t.Fatal(err)
	}
	if _, err := q.AllocateFromCart(line("o-2", 9), "cart-2", t0); !errors.Is(err, ErrOutOfStock) {
		t.Fatalf("o-2: %v, want out of stock", err)
	}
	if i := q.allocationOf("o-3"); i < 0 || len(q.Backorders) != 1 || q.Backorders[0].OrderID != "o-2" {
		t.Errorf("allocations %+v waiting %+v; want o-3 allocated, o-2 waiting", q.Allocations, q.Backorders)
	}
}

// TestAReservationTooBigForAnyBatchSaysSo: the refusal of a reservation
// that the SKU's stock covers but no one batch does names both figures.
func TestAReservationTooBigForAnyBatchSaysSo(t *testing.T) {
	until := t0.Add(15 * time.Minute)
	for _, c := range []struct {
		batches []Batch
		want    string
	}{
		{[]Batch{batch("a", "", 3, 0), batch("b", "", 3, 0)},
			"out of stock: 5 of S wanted, 6 available but at most 3 in one batch (one batch holds a reservation)"},
		{[]Batch{batch("a", "", 3, 0)}, "out of stock: 5 of S wanted, 3 available"},
	} {
		_, err := product(t, c.batches...).Reserve("cart-1", 5, until, t0)
		if !errors.Is(err, ErrOutOfStock) || err.Error() != c.want {
			t.Errorf("%d batches: %v, want it to say %q", len(c.batches), err, c.want)
		}
	}
}

func TestReservations(t *testing.T) {
	until := t0.Add(15 * time.Minute)
	p := product(t, batch("a", "", 5, 0))
	if _, err := p.Reserve("cart-1", 4, until, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Allocate(line("o-other", 2), t0); !errors.Is(err, ErrOutOfStock) {
		t.Errorf("reserved stock went to another order: %v", err)
	}
	if _, err := p.Reserve("cart-2", 2, until, t0); !errors.Is(err, ErrOutOfStock) {
		t.Errorf("over-reservation: %v", err)
	}
	if _, err := p.Reserve("cart-1", 3, until, t0); err != nil {
		t.Errorf("replacing a reservation with a smaller one: %v", err)
	}
	// Lowering the reservation freed 2 units: the waiting o-other took them.
	ref, err := p.AllocateFromCart(line("o-1", 3), "cart-1", t0)
	if err != nil || ref != "a" {
		t.Fatalf("convert: %q %v", ref, err)
	}
	if _, ok := p.Reservation("cart-1"); ok {
		t.Error("reservation kept after conversion")
	}
	if len(p.Backorders) != 0 {
		t.Errorf("o-other should have got the 2 units left: %+v", p.Backorders)
	}
}

func TestReservationExpiryIsIdempotent(t *testing.T) {
	p := product(t, batch("a", "", 2, 0))
	if _, err := p.Reserve("cart-1", 2, t0.Add(time.Minute), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Allocate(line("o-1", 2), t0); !errors.Is(err, ErrOutOfStock) {
		t.Fatal(err)
	}
	if n := p.Expire(t0.Add(30 * time.Second)); n != 0 {
		t.Errorf("expired %d before their time", n)
	}
	if n := p.Expire(t0.Add(time.Minute)); n != 1 || len(p.Backorders) != 0 {
		t.Errorf("expired %d, backorders %+v; want 1 and o-1 allocated", n, p.Backorders)
	}
	if n := p.Expire(t0.Add(2 * time.Minute)); n != 0 || p.Release("cart-1", "again", t0) {
		t.Error("a second expiry or release changed something")
	}
}

func TestCancelFreesStockForWaitingLines(t *testing.T) {
	p := product(t, batch("a", "", 2, 0))
	_, _ = p.Allocate(line("o-1", 2), t0)
	_, _ = p.Allocate(line("o-2", 2), t0)
	_, _ = p.Allocate(line("o-3", 1), t0)
	p.Cancel("o-3", t0) // waiting: dropped
	p.Cancel("o-1", t0) // allocated: freed, o-2 takes it
	if p.allocationOf("o-2") < 0 || len(p.Backorders) != 0 || !hasEvent[BackorderDropped](p) {
		t.Errorf("after cancellations: allocations %+v backorders %+v", p.Allocations, p.Backorders)
	}
}

func TestNewBatchValidation(t *testing.T) {
	date := func(s string) *string { return &s }
	cases := []struct {
		name, ref, sku string
		qty            int
		eta            *string
		wantETA        string
		ok             bool
	}{
		{"warehouse", "b-1", "KIMCHI-500G", 20, nil, "", true},
		{"iso date", "b-1", "KIMCHI-500G", 20, date("2026-12-24"), "2026-12-24", true},
		{"timestamp cut to date", "b-1", "KIMCHI-500G", 20, date("2026-12-24T15:00:00Z"), "2026-12-24", true},
		{"naive datetime (Python's isoformat)", "b-1", "KIMCHI-500G", 20, date("2026-12-24T00:00:00"), "2026-12-24", true},
		{"with fraction", "b-1", "KIMCHI-500G", 20, date("2026-12-24T08:30:00.123456"), "2026-12-24", true},
		{"space separator, minutes only", "b-1", "KIMCHI-500G", 20, date("2026-12-24 08:30"), "2026-12-24", true},
		{"the date as written, whatever the offset", "b-1", "KIMCHI-500G", 20, date("2026-12-24T23:30:00-05:00"), "2026-12-24", true},
		{"bad date", "b-1", "KIMCHI-500G", 20, date("24/12/2026"), "", false},
		{"no such day", "b-1", "KIMCHI-500G", 20, date("2026-02-30"), "", false},
		{"bad time", "b-1", "KIMCHI-500G", 20, date("2026-12-24T25:00:00"), "", false},
		{"trailing junk", "b-1", "KIMCHI-500G", 20, date("2026-12-24x"), "", false},
		{"empty", "b-1", "KIMCHI-500G", 20, date(""), "", false},
		{"zero qty", "b-1", "KIMCHI-500G", 0, nil, "", false},
		{"empty ref", "", "KIMCHI-500G", 1, nil, "", false},
		{"sku with space", "b-1", "KIM CHI", 1, nil, "", false},
	}
	for _, c := range cases {
		b, err := NewBatch(c.ref, c.sku, c.qty, c.eta, time.Now())
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalid)) || b.ETA != c.wantETA {
			t.Errorf("%s: batch %+v, err %v; want ok=%v eta %q", c.name, b, err, c.ok, c.wantETA)
		}
	}
}

// TestParseETAReadsWhatFromisoformatReads: each case is what Python
// 3.11's datetime.fromisoformat(s).date() gives (or refuses), the parser
// the book's API uses for eta.
func TestParseETAReadsWhatFromisoformatReads(t *testing.T) {
	cases := []struct{ in, want string }{ // want "" = refused
		{"2026-12-24", "2026-12-24"},
		{"20261224", "2026-12-24"},
		{"2026-W52-4", "2026-12-24"},
		{"2026W524", "2026-12-24"},
		{"2026-W52", "2026-12-21"},
		{"2026W52", "2026-12-21"},
		{"2027-W01-1", "2027-01-04"},
		{"2026-W53-1", "2026-12-28"},
		{"2026-12-24T08", "2026-12-24"},
		{"2026-12-24T0830", "2026-12-24"},
		{"2026-12-24T083015", "2026-12-24"},
		{"2026-12-24T08:30:15,5", "2026-12-24"},
		{"2026-12-24T08:30:15.123456789", "2026-12-24"},
		{"2026-12-24T08:30:15.12", "2026-12-24"},
		{"2026-12-24T08:30+0900", "2026-12-24"},
		{"2026-12-24T08:30+09", "2026-12-24"},
		{"2026-12-24T08:30Z", "2026-12-24"},
		{"2026-12-24T08:30:15.1234567+09:00:30", "2026-12-24"},
		{"2026-12-24x08:30", "2026-12-24"},
		{"2026-12-24 08:30", "2026-12-24"},
		{"20261224T083015Z", "2026-12-24"},
		{"2026-358", ""},
		{"2026-12", ""},
		{"2026-12-24T24:00", ""},
		{"2026-12-24T08:30:60", ""},
		{"2026-12-24T08:30+24", ""},
		{" 2026-12-24", ""},
		{"2026-02-30", ""},
		{"2026-13-01", ""},
		{"2026-W54-1", ""},
		{"2026-W52-8", ""},
		{"2026-12-24T", ""},
		{"2026-12-24T08:30:15.", ""},
		{"0000-01-01", ""},
	}
	for _, c := range cases {
		got, err := ParseETA(c.in)
		if got != c.want || (c.want == "") != (err != nil) || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("ParseETA(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestParseETANamesWhatIsWrong: a refused date names the part at fault.
func TestParseETANamesWhatIsWrong(t *testing.T) {
	for in, want := range map[string]string{
		"0000-01-01": "year 0 out of range",
		"2026-13-01": "month 13 out of range",
		"2026-02-30": "day 30 out of range for 2026-02",
		"2026-W52-8": "weekday 8 out of range",
		"2026-W54-1": "week 54 out of range for 2026",
	} {
		if _, err := ParseETA(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseETA(%q): %v, want it to say %q", in, err, want)
		}
	}
}

// A product loaded with only some of its waiting lines (AllWaiting false)
// can take stock, keeping the waiting total, but refuses, loudly, anything
// that would give stock to waiting lines it cannot see.
func TestSomeWaitingLinesOnlyTakeStock(t *testing.T) {
	partial := func(t *testing.T) *Product {
		p := product(t, batch("a", "", 4, 0))
		if _, err := p.Allocate(line("o-1", 2), t0); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Reserve("k-1", 2, t0.Add(time.Hour), t0); err != nil { // the batch is full
			t.Fatal(err)
		}
		p.Backorders, p.AllWaiting, p.Waiting = nil, false, 10 // ten units wait, not loaded
		p.Events = nil
		return p
	}
	t.Run("allocate", func(t *testing.T) {
		p := partial(t)
		if _, err := p.Allocate(line("o-2", 3), t0); !errors.Is(err, ErrOutOfStock) {
			t.Fatalf("allocate: %v, want out of stock", err)
		}
		if p.Waiting != 13 || len(p.Backorders) != 1 || !hasEvent[Backordered](p) {
			t.Errorf("waiting %d %+v, want 13 and o-2 backordered", p.Waiting, p.Backorders)
		}
		if _, err := p.Allocate(line("o-2", 3), t0); !errors.Is(err, ErrOutOfStock) || p.Waiting != 13 {
			t.Errorf("allocating o-2 again: %v, waiting %d; want a no-op", err, p.Waiting)
		}
	})
	for name, give := range map[string]func(p *Product){
		"add a batch": func(p *Product) { _ = p.AddBatch(batch("b", "", 5, time.Minute), t0) },
		"grow":        func(p *Product) { _ = p.ChangeBatchQuantity("a", 5, t0) },
		"cancel":      func(p *Product) { p.Cancel("o-1", t0) },
		"reallocate":  func(p *Product) { _ = p.Reallocate(nil, t0) },
		"release":     func(p *Product) { p.Release("k-1", "released", t0) },
		"replace":     func(p *Product) { _, _ = p.Reserve("k-1", 1, t0.Add(time.Hour), t0) },
		"checkout":    func(p *Product) { _, _ = p.AllocateFromCart(line("o-9", 1), "k-1", t0) },
	} {
		t.Run(name, func(t *testing.T) {
			p := partial(t)
			defer func() {
				if recover() == nil {
					t.Errorf("%s with some waiting lines loaded did not panic", name)
				}
			}()
			give(p)
		})
	}
}

// Attempt turns the need for every waiting line into ErrAllWaitingNeeded
// and lets any other panic through.
func TestAttemptReportsThatEveryWaitingLineIsNeeded(t *testing.T) {
	p := product(t, batch("a", "", 1, 0))
	p.AllWaiting = false
	if err := p.Attempt(func(p *Product) error { return p.AddBatch(batch("b", "", 1, time.Minute), t0) }); !errors.Is(err, ErrAllWaitingNeeded) {
		t.Errorf("adding stock to a product with some waiting lines: %v, want ErrAllWaitingNeeded", err)
	}
	q := product(t, batch("a", "", 1, 0))
	if err := q.Attempt(func(p *Product) error { return p.AddBatch(batch("b", "", 1, time.Minute), t0) }); err != nil {
		t.Errorf("adding stock to a whole product: %v", err)
	}
	if _, err := q.Reserve("k", 1, t0.Add(time.Hour), t0); err != nil {
		t.Fatal(err)
	}
	q.AllWaiting = false
	if err := q.Attempt(func(p *Product) error { _, err := p.Reserve("k-2", 1, t0.Add(time.Hour), t0); return err }); err != nil {
		t.Errorf("a new hold on a product with some waiting lines: %v, want no need for the others", err)
	}
	defer func() {
		if r := recover(); r != "other" {
			t.Errorf("recovered %v, want the other panic let through", r)
		}
	}()
	_ = q.Attempt(func(*Product) error { panic("other") })
}

// TestAnExpiredHoldIsNotConverted: a hold whose time is up, before the
// expiry pass has released it, is released when its cart orders, and the
// stock goes to the line that was waiting first.
func TestAnExpiredHoldIsNotConverted(t *testing.T) {
	p := product(t, batch("a", "", 2, 0))
	if _, err := p.Reserve("cart-1", 2, t0.Add(time.Minute), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Allocate(line("o-waiting", 2), t0); !errors.Is(err, ErrOutOfStock) {
		t.Fatal(err)
	}
	later := t0.Add(2 * time.Minute)
	if ref, err := p.AllocateFromCart(line("o-1", 2), "cart-1", later); !errors.Is(err, ErrOutOfStock) {
		t.Fatalf("o-1 from an expired hold: %q %v, want out of stock", ref, err)
	}
	if p.allocationOf("o-waiting") < 0 || p.backorderOf("o-1") < 0 {
		t.Errorf("allocations %+v waiting %+v; want o-waiting allocated, o-1 waiting", p.Allocations, p.Backorders)
	}
	var reason string
	for _, e := range p.Events {
		if r, ok := e.(ReservationReleased); ok {
			reason = r.Reason
		}
	}
	if reason != "expired" {
		t.Errorf("release reason %q, want expired", reason)
	}
}
