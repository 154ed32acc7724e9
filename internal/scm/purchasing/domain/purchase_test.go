package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/banchan/banchan/internal/scm/messages"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestNeed(t *testing.T) {
	rp := ReorderPoint{SKU: "S", Point: 10, Qty: 50}
	cases := []struct {
		name  string
		level Level
		rp    ReorderPoint
		want  int
	}{
		{"plenty, no reorder point", Level{Available: 100}, ReorderPoint{}, 0},
		{"backorders without a reorder point", Level{Available: 2, Waiting: 5}, ReorderPoint{}, 5},
		{"at the reorder point", Level{Available: 10}, rp, 0},
		{"below the reorder point", Level{Available: 9}, rp, 50},
		{"both", Level{Available: 0, Waiting: 3}, rp, 53},
	}
	for _, c := range cases {
		if got, why := Need(c.level, c.rp); got != c.want || (got > 0) != (why != "") {
			t.Errorf("%s: need %d (%q), want %d", c.name, got, why, c.want)
		}
	}
}

func TestRaiseIsIdempotentPerSKUAndShortage(t *testing.T) {
	open := &PurchaseOrder{ID: "po-1", SKU: "S", Qty: 5, Status: Open}
	cases := []struct {
		name    string
		open    *PurchaseOrder
		need    int
		wantQty int // 0 = nothing to do
		wantNew bool
	}{
		{"no need", nil, 0, 0, false},
		{"new shortage", nil, 5, 5, true},
		{"covered by the open order", open, 5, 0, false},
		{"smaller shortage", open, 3, 0, false},
		{"bigger shortage grows it", open, 8, 8, false},
	}
	for _, c := range cases {
		po, isNew := Raise(c.open, "S", c.need, "why", "po-new", t0)
		switch {
		case c.wantQty == 0 && po != nil:
			t.Errorf("%s: raised %+v", c.name, po)
		case c.wantQty > 0 && (po == nil || po.Qty != c.wantQty || isNew != c.wantNew || po.Status != Open):
			t.Errorf("%s: %+v new=%v; want qty %d new=%v", c.name, po, isNew, c.wantQty, c.wantNew)
		case c.wantQty > 0 && !c.wantNew && po.ID != "po-1":
			t.Errorf("%s: grew into another order %s", c.name, po.ID)
		}
	}
	if open.Qty != 5 {
		t.Error("Raise changed the open order in place")
	}
}

func TestReceive(t *testing.T) {
	po := PurchaseOrder{ID: "po-1", SKU: "S", Qty: 5, Status: Open}
	if err := po.Receive(-1, t0); !errors.Is(err, messages.ErrInvalid) || po.Status != Open {
		t.Errorf("negative qty: %v, %s", err, po.Status)
	}
	if err := po.Receive(0, t0); err != nil || po.Status != Received || po.ReceivedQty != 5 || po.BatchRef != "po-1" {
		t.Errorf("receive: %v %+v", err, po)
	}
	if err := po.Receive(0, t0); !errors.Is(err, messages.ErrConflict) {
		t.Errorf("receive twice: %v, want a conflict", err)
	}
}

func TestReorderPointCheck(t *testing.T) {
	for _, c := range []struct {
		rp   ReorderPoint
		bad  int
		name string
	}{
		{ReorderPoint{Point: 10, Qty: 20}, 0, "valid"},
		{ReorderPoint{Point: 0, Qty: 0}, 0, "disabled"},
		{ReorderPoint{Point: 10, Qty: 0}, 1, "no quantity"},
		{ReorderPoint{Point: -1, Qty: -1}, 2, "negative"},
	} {
		if ps := c.rp.Check(); len(ps) != c.bad {
			t.Errorf("%s: %v", c.name, ps)
		}
	}
}
