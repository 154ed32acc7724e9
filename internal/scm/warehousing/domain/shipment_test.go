package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/banchan/banchan/internal/scm/messages"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestShipmentSteps(t *testing.T) {
	cases := []struct {
		from, step, want string // want "" = refused
	}{
		{AwaitingPick, "pick", PickedUp},
		{OnHold, "pick", ""},
		{PickedUp, "pick", ""},
		{Packed, "pick", ""},
		{Cancelled, "pick", ""},
		{PickedUp, "pack", Packed},
		{AwaitingPick, "pack", ""},
		{Packed, "pack", ""},
		{Shipped, "pack", ""},
		{Cancelled, "pack", ""},
	}
	for _, c := range cases {
		t.Run(c.from+" "+c.step, func(t *testing.T) {
			s := Shipment{ID: "s-1", Status: c.from}
			var err error
			if c.step == "pick" {
				err = s.Pick(t0)
			} else {
				err = s.Pack(t0)
			}
			if c.want == "" {
				var se *messages.StatusError
				if !errors.Is(err, messages.ErrConflict) || !errors.As(err, &se) || se.Status != c.from || s.Status != c.from {
					t.Errorf("%s from %s: %v, now %s; want a conflict naming %s", c.step, c.from, err, s.Status, c.from)
				}
				return
			}
			if err != nil || s.Status != c.want {
				t.Errorf("%s from %s: %v, now %s; want %s", c.step, c.from, err, s.Status, c.want)
			}
		})
	}
}

func TestShipmentExceptions(t *testing.T) {
	cases := []struct {
		from, step string
		want       string // "" = no change
	}{
		{AwaitingPick, "hold", OnHold},
		{PickedUp, "hold", ""},
		{OnHold, "release", AwaitingPick},
		{AwaitingPick, "release", ""},
		{Packed, "ship", Shipped},
		{PickedUp, "ship", ""},
		{AwaitingPick, "cancel", Cancelled},
		{OnHold, "cancel", Cancelled},
		{PickedUp, "cancel", Cancelled},
		{Packed, "cancel", Cancelled},
		{Shipped, "cancel", ""},
		{Cancelled, "cancel", ""},
	}
	for _, c := range cases {
		t.Run(c.from+" "+c.step, func(t *testing.T) {
			s := Shipment{Status: c.from}
			ok := map[string]func(time.Time) bool{"hold": s.Hold, "release": s.Release, "ship": s.Ship, "cancel": s.Cancel}[c.step](t0)
			want := c.want
			if want == "" {
				want = c.from
			}
			if ok != (c.want != "") || s.Status != want {
				t.Errorf("%s from %s: %v, now %s; want %s", c.step, c.from, ok, s.Status, want)
			}
		})
	}
}

func TestReadyWhenAllocatedAndCooked(t *testing.T) {
	cases := []struct {
		o    Order
		want bool
	}{
		{Order{Allocated: true, Cooked: true}, true},
		{Order{Allocated: true}, false},
		{Order{Cooked: true}, false},
		{Order{Allocated: true, Cooked: true, Cancelled: true}, false},
		{Order{Allocated: true, Cooked: true, ShipmentID: "s-1"}, false},
	}
	for _, c := range cases {
		if c.o.Ready() != c.want {
			t.Errorf("%+v ready = %v", c.o, !c.want)
		}
	}
}

func TestReceiptCheck(t *testing.T) {
	if ps := (Receipt{Ref: "r-1", SKU: "KIMCHI-500G", Qty: 5}).Check(); len(ps) != 0 {
		t.Errorf("valid receipt: %v", ps)
	}
	ps := (Receipt{Ref: "", SKU: "bad sku", Qty: 0}).Check()
	if len(ps) != 3 || ps[0].Field != "ref" || ps[1].Field != "sku" || ps[2].Field != "qty" {
		t.Errorf("problems %v", ps)
	}
}
