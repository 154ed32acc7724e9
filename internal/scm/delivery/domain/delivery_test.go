package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/banchan/banchan/internal/scm/messages"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestDeliverySteps(t *testing.T) {
	cases := []struct {
		from, step, want string // want "" = refused
	}{
		{Ready, "ship", Shipped},
		{Shipped, "ship", ""},
		{Delivered, "ship", ""},
		{Cancelled, "ship", ""},
		{Shipped, "deliver", Delivered},
		{Ready, "deliver", ""},
		{Delivered, "deliver", ""},
		{Cancelled, "deliver", ""},
		{Ready, "cancel", Cancelled},
		{Shipped, "cancel", ""},
		{Delivered, "cancel", ""},
	}
	for _, c := range cases {
		t.Run(c.from+" "+c.step, func(t *testing.T) {
			d := Delivery{ID: "d-1", Status: c.from}
			var err error
			switch c.step {
			case "ship":
				err = d.Ship("SIM-EXPRESS", "TRK-1", t0)
			case "deliver":
				err = d.Deliver(t0)
			case "cancel":
				if !d.Cancel(t0) {
					err = messages.ErrConflict
				}
			}
			if c.want == "" {
				if !errors.Is(err, messages.ErrConflict) || d.Status != c.from {
					t.Errorf("%s from %s: %v, now %s; want a conflict", c.step, c.from, err, d.Status)
				}
				return
			}
			if err != nil || d.Status != c.want {
				t.Errorf("%s from %s: %v, now %s; want %s", c.step, c.from, err, d.Status, c.want)
			}
		})
	}
}

func TestShipNeedsCarrierAndTrackingNumber(t *testing.T) {
	for _, c := range []struct{ carrier, tracking, field string }{
		{"", "T-1", "carrier"}, {"  ", "T-1", "carrier"}, {"CJ", "", "trackingNumber"},
		{"CJ", "bad\nline", "trackingNumber"}, {string(make([]byte, 65)), "T", "carrier"},
	} {
		d := Delivery{ID: "d-1", Status: Ready}
		err := d.Ship(c.carrier, c.tracking, t0)
		ps := CheckShip(c.carrier, c.tracking)
		if !errors.Is(err, messages.ErrInvalid) || d.Status != Ready || len(ps) == 0 || ps[0].Field != c.field {
			t.Errorf("ship(%q, %q): %v %v, now %s; want invalid %s", c.carrier, c.tracking, err, ps, d.Status, c.field)
		}
	}
	d := Delivery{Status: Ready}
	if err := d.Ship("CJ Logistics", "CJ-123", t0); err != nil || d.Carrier != "CJ Logistics" || d.TrackingNumber != "CJ-123" {
		t.Errorf("ship: %v %+v", err, d)
	}
}
