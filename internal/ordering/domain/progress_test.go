package domain

import (
	"testing"
	"time"
)

func TestProgressNeverMovesBack(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		start  Status
		stages []Status
		want   Status
		moves  int
	}{
		{"in order", Allocated, []Status{Cooking, PickedUp, Packed, Shipped, Delivered}, Delivered, 5},
		{"duplicates", Allocated, []Status{Cooking, Cooking, PickedUp, PickedUp}, PickedUp, 2},
		{"late stage", Allocated, []Status{Packed, Cooking, PickedUp}, Packed, 1},
		{"skipped stages", Placed, []Status{Shipped}, Shipped, 1},
		{"from backorder", Backordered, []Status{Cooking}, Cooking, 1},
		{"after delivery", Delivered, []Status{Shipped, Delivered}, Delivered, 0},
		{"cancelled is final", Cancelled, []Status{Cooking, Shipped, Delivered}, Cancelled, 0},
		{"not a stage", Allocated, []Status{Placed, Backordered, Cancelled}, Allocated, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := NewOrder("o-1", PlaceRequest{CustomerID: "c-1"}, t0)
			o.Status = c.start
			moves := 0
			for i, s := range c.stages {
				if moved, _ := o.Progress(s, t0.Add(time.Duration(i)*time.Minute), "", ""); moved {
					moves++
				}
			}
			if o.Status != c.want || moves != c.moves || len(o.History) != 1+c.moves {
				t.Errorf("status %s after %d moves (history %d), want %s after %d", o.Status, moves, len(o.History),
					c.want, c.moves)
			}
		})
	}
}

func TestProgressRecordsCarrierEvenWhenLate(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	o := NewOrder("o-1", PlaceRequest{CustomerID: "c-1"}, t0)
	o.Status = Delivered
	moved, changed := o.Progress(Shipped, t0, "CJ", "T-1")
	if moved || !changed || o.Carrier != "CJ" || o.TrackingNumber != "T-1" || o.Status != Delivered {
		t.Errorf("moved %v changed %v: %+v", moved, changed, o)
	}
	if _, changed := o.Progress(Shipped, t0, "", ""); changed {
		t.Error("empty carrier changed the order")
	}
}

func TestRecordDelayOnce(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	o := NewOrder("o-1", PlaceRequest{CustomerID: "c-1"}, t0)
	if !o.RecordDelay("COOKING", t0, t0) || o.RecordDelay("COOKING", t0, t0.Add(time.Second)) ||
		!o.RecordDelay("PACKED", t0, t0) {
		t.Error("want each stage and deadline once")
	}
	if len(o.Delays) != 2 {
		t.Errorf("delays %+v", o.Delays)
	}
}
