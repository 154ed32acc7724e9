package domain

import (
	"errors"
	"testing"
	"time"
)

func TestChoosePrefersWarehouseThenEarliestETA(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	batch := func(ref, eta string, qty, allocated int, age time.Duration) Batch {
		return Batch{Ref: ref, SKU: "S", Qty: qty, ETA: eta, Allocated: allocated, AddedAt: t0.Add(age)}
	}
	cases := []struct {
		name    string
		batches []Batch
		qty     int
		want    string
	}{
		{"warehouse before shipment", []Batch{batch("ship", "2026-12-02", 10, 0, 0), batch("wh", "", 10, 0, time.Hour)}, 1, "wh"},
		{"earliest eta", []Batch{batch("late", "2027-01-05", 10, 0, 0), batch("soon", "2026-12-10", 10, 0, time.Hour)}, 1, "soon"},
		{"oldest warehouse batch", []Batch{batch("new", "", 10, 0, time.Hour), batch("old", "", 10, 0, 0)}, 1, "old"},
		{"skip a batch without room", []Batch{batch("full", "", 10, 9, 0), batch("room", "2026-12-03", 10, 0, 0)}, 2, "room"},
		{"exact fit", []Batch{batch("a", "", 5, 3, 0)}, 2, "a"},
		{"out of stock", []Batch{batch("a", "", 5, 4, 0), batch("b", "2026-12-24", 1, 0, 0)}, 2, ""},
		{"no batches", nil, 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := Choose(c.batches, c.qty)
			switch {
			case c.want == "" && !errors.Is(err, ErrOutOfStock):
				t.Errorf("got %v, %v; want ErrOutOfStock", b, err)
			case c.want != "" && (err != nil || b.Ref != c.want):
				t.Errorf("got %v, %v; want %s", b, err, c.want)
			}
		})
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
		{"bad date", "b-1", "KIMCHI-500G", 20, date("24/12/2026"), "", false},
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
