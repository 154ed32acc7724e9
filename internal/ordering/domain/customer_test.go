package domain

import (
	"testing"
	"time"
)

// customerStep is one command on a customer: place or cancel an order.
type customerStep struct {
	cancel bool
	order  string
}

func place(id string) customerStep  { return customerStep{order: id} }
func cancel(id string) customerStep { return customerStep{cancel: true, order: id} }

// run applies each step's decided events and counts the VIP events.
func run(t *testing.T, steps []customerStep) (Customer, int) {
	t.Helper()
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c, vips := NewCustomer("c-1"), 0
	known := map[string]CustomerOrder{} // what the repository keeps per order
	var log []CustomerEvent
	for i, s := range steps {
		at := t0.Add(time.Duration(i) * time.Minute)
		o := known[s.order]
		evs := c.Place(s.order, o, at)
		if s.cancel {
			evs = c.Cancel(s.order, o, at)
		}
		for _, e := range evs {
			if _, ok := e.(BecameVip); ok {
				vips++
			}
			if err := c.Apply(e); err != nil {
				t.Fatal(err)
			}
			o.Apply(e)
			log = append(log, e)
		}
		known[s.order] = o
	}
	// A load folds the events alone, without the per-order records.
	folded := NewCustomer("c-1")
	for _, e := range log {
		if err := folded.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if folded != c {
		t.Errorf("the events fold to %+v, the decisions made %+v", folded, c)
	}
	return c, vips
}

func TestCustomerCountsAndBecomesVipOnce(t *testing.T) {
	cases := []struct {
		name  string
		steps []customerStep
		want  Counts
		tier  Tier
		vips  int
	}{
		{"none", nil, Counts{}, Regular, 0},
		{"two", []customerStep{place("a"), place("b")}, Counts{2, 0, 2}, Regular, 0},
		{"third is VIP", []customerStep{place("a"), place("b"), place("c")}, Counts{3, 0, 3}, VIP, 1},
		{"fourth raises no VIP", []customerStep{place("a"), place("b"), place("c"), place("d")}, Counts{4, 0, 4}, VIP, 1},
		{"duplicate order counts once", []customerStep{place("a"), place("a"), place("b"), place("b")},
			Counts{2, 0, 2}, Regular, 0},
		{"cancelled does not count", []customerStep{place("a"), place("b"), cancel("b"), place("c")},
			Counts{3, 1, 2}, Regular, 0},
		{"third counted after a cancel", []customerStep{place("a"), place("b"), cancel("b"), place("c"), place("d")},
			Counts{4, 1, 3}, VIP, 1},
		{"VIP stays after cancel", []customerStep{place("a"), place("b"), place("c"), cancel("a"), cancel("b")},
			Counts{3, 2, 1}, VIP, 1},
		{"duplicate cancel uncounts once", []customerStep{place("a"), place("b"), cancel("a"), cancel("a")},
			Counts{2, 1, 1}, Regular, 0},
		{"cancel seen before place", []customerStep{cancel("a"), place("a"), place("b"), place("c")},
			Counts{3, 1, 2}, Regular, 0},
		{"VIP again after falling below", []customerStep{place("a"), place("b"), place("c"), cancel("c"),
			place("d"), place("e")}, Counts{5, 1, 4}, VIP, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cust, vips := run(t, c.steps)
			if got := cust.Counts(); got != c.want || cust.Tier() != c.tier || vips != c.vips {
				t.Errorf("counts %+v tier %s vips %d; want %+v %s %d", got, cust.Tier(), vips, c.want, c.tier, c.vips)
			}
		})
	}
}

func TestCustomerKnownOnlyAfterAPlacement(t *testing.T) {
	if c, _ := run(t, []customerStep{cancel("a")}); c.Known() {
		t.Error("a customer with only a cancellation is known")
	}
	if c, _ := run(t, []customerStep{place("a")}); !c.Known() {
		t.Error("a customer with an order is unknown")
	}
}
