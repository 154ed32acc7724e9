package domain

import (
	"errors"
	"testing"
	"time"

	ordering "github.com/banchan/banchan/internal/ordering/contract"
)

var at = time.Date(2026, 12, 1, 14, 35, 0, 0, time.UTC)

func line(sku string, qty int, price int64) ordering.Line {
	return ordering.Line{SKU: sku, Qty: qty, UnitPrice: price}
}

func TestTally(t *testing.T) {
	hour := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		fold func(Tally)
		want map[Key]Figures
	}{
		{"one order, two SKUs: each SKU and the total count it once",
			func(t Tally) {
				t.Placed(ordering.OrderPlaced{Lines: []ordering.Line{line("A", 2, 100), line("B", 1, 50)}}, at)
			},
			map[Key]Figures{{hour, "A"}: {Units: 2, Amount: 200, Orders: 1}, {hour, "B"}: {Units: 1, Amount: 50, Orders: 1},
				{hour, AllSKUs}: {Units: 3, Amount: 250, Orders: 1}}},
		{"a SKU on two lines is one order of that SKU",
			func(t Tally) {
				t.Placed(ordering.OrderPlaced{Lines: []ordering.Line{line("A", 2, 100), line("A", 1, 100)}}, at)
			},
			map[Key]Figures{{hour, "A"}: {Units: 3, Amount: 300, Orders: 1}, {hour, AllSKUs}: {Units: 3, Amount: 300, Orders: 1}}},
		{"a cancellation counts in its own hour, apart from sales",
			func(t Tally) {
				t.Placed(ordering.OrderPlaced{Lines: []ordering.Line{line("A", 1, 100)}}, at)
				t.Cancelled(ordering.OrderCancelled{Lines: []ordering.Line{line("A", 1, 100)}}, at.Add(time.Hour))
			},
			map[Key]Figures{{hour, "A"}: {Units: 1, Amount: 100, Orders: 1}, {hour, AllSKUs}: {Units: 1, Amount: 100, Orders: 1},
				{hour.Add(time.Hour), "A"}:     {Cancellations: 1, CancelledUnits: 1, CancelledAmount: 100},
				{hour.Add(time.Hour), AllSKUs}: {Cancellations: 1, CancelledUnits: 1, CancelledAmount: 100}}},
		{"times in other zones land in their UTC hour",
			func(t Tally) {
				t.Placed(ordering.OrderPlaced{Lines: []ordering.Line{line("A", 1, 1)}}, at.In(time.FixedZone("KST", 9*3600)))
			},
			map[Key]Figures{{hour, "A"}: {Units: 1, Amount: 1, Orders: 1}, {hour, AllSKUs}: {Units: 1, Amount: 1, Orders: 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Tally{}
			tc.fold(got)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d keys %v, want %v", len(got), got, tc.want)
			}
			for k, w := range tc.want {
				if got[k] != w {
					t.Errorf("%v: got %+v, want %+v", k, got[k], w)
				}
			}
		})
	}
}

func TestGroup(t *testing.T) {
	h := func(d, hr int) time.Time { return time.Date(2026, 12, d, hr, 0, 0, 0, time.UTC) }
	rows := []Row{
		{Key{h(1, 10), AllSKUs}, Figures{Units: 2, Orders: 1}}, {Key{h(1, 10), "A"}, Figures{Units: 2, Orders: 1}},
		{Key{h(1, 16), AllSKUs}, Figures{Units: 3, Orders: 2}}, {Key{h(1, 16), "A"}, Figures{Units: 1, Orders: 1}},
		{Key{h(1, 16), "B"}, Figures{Units: 2, Orders: 1}},
	}
	seoul, _ := time.LoadLocation("Asia/Seoul")
	tests := []struct {
		name   string
		g      Granularity
		loc    *time.Location
		sku    string
		starts []time.Time
		units  []int64
	}{
		{"UTC days", ByDay, time.UTC, "", []time.Time{h(1, 0)}, []int64{5}},
		{"hours", ByHour, time.UTC, "", []time.Time{h(1, 10), h(1, 16)}, []int64{2, 3}},
		{"Seoul days split at 15:00 UTC", ByDay, seoul, "", []time.Time{h(1, 0).Add(-9 * time.Hour), h(2, 0).Add(-9 * time.Hour)}, []int64{2, 3}},
		{"one SKU", ByDay, time.UTC, "B", []time.Time{h(1, 0)}, []int64{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bs, err := Group(rows, tc.g, tc.loc, tc.sku)
			if err != nil || len(bs) != len(tc.starts) {
				t.Fatalf("%d buckets (%v), want %d", len(bs), err, len(tc.starts))
			}
			for i, b := range bs {
				if !b.Start.Equal(tc.starts[i]) || b.Units != tc.units[i] {
					t.Errorf("bucket %d: %v units %d, want %v units %d", i, b.Start, b.Units, tc.starts[i], tc.units[i])
				}
				if (tc.sku != "") != (len(b.SKUs) == 0) {
					t.Errorf("bucket %d: SKU breakdown %v with sku filter %q", i, b.SKUs, tc.sku)
				}
			}
		})
	}
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	if _, err := Group(rows, ByDay, kolkata, ""); !errors.Is(err, ErrZone) {
		t.Errorf("a half-hour zone gave %v, want ErrZone", err)
	}
}
