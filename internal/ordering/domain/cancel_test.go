package domain

import (
	"errors"
	"testing"
	"time"
)

func TestCancelAllowedUntilShipped(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		status  Status
		changed bool
		tooLate bool
	}{
		{Placed, true, false},
		{Allocated, true, false},
		{Backordered, true, false},
		{Cooking, true, false},
		{PickedUp, true, false},
		{Packed, true, false},
		{Shipped, false, true},
		{Delivered, false, true},
		{Cancelled, false, false},
	}
	for _, c := range cases {
		t.Run(string(c.status), func(t *testing.T) {
			o := NewOrder("o-1", PlaceRequest{CustomerID: "c-1"}, t0)
			o.Status = c.status
			changed, err := o.Cancel("changed my mind", t0.Add(time.Minute))
			var late TooLateError
			if changed != c.changed || errors.As(err, &late) != c.tooLate {
				t.Fatalf("Cancel from %s: changed %v, err %v; want changed %v, too late %v",
					c.status, changed, err, c.changed, c.tooLate)
			}
			if c.tooLate && (o.Status != c.status || late.Error() != "order o-1 is "+string(c.status)+": too late to cancel") {
				t.Errorf("refused cancel: status %s, error %q", o.Status, late.Error())
			}
			if c.changed && (o.Status != Cancelled || o.Cancellation == nil || o.Cancellation.Reason != "changed my mind" ||
				o.History[len(o.History)-1].Reason != "changed my mind") {
				t.Errorf("cancelled order: %+v", o)
			}
		})
	}
}

func TestCancelTwiceRaisesOnce(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	o := NewOrder("o-1", PlaceRequest{CustomerID: "c-1"}, t0)
	if changed, err := o.Cancel("first", t0); !changed || err != nil {
		t.Fatalf("first cancel: %v %v", changed, err)
	}
	if changed, err := o.Cancel("second", t0.Add(time.Second)); changed || err != nil {
		t.Fatalf("second cancel: %v %v", changed, err)
	}
	if o.Cancellation.Reason != "first" || len(o.History) != 2 {
		t.Errorf("after two cancels: %+v", o)
	}
}

func TestFulfilmentStoppedAndRejected(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	o := NewOrder("o-1", PlaceRequest{CustomerID: "c-1"}, t0)
	if _, err := o.FulfilmentStopped("COOKING", t0); !errors.Is(err, ErrNotCancelled) {
		t.Errorf("stop of a placed order: %v, want ErrNotCancelled", err)
	}
	if _, err := o.Cancel("", t0); err != nil {
		t.Fatal(err)
	}
	if changed, err := o.FulfilmentStopped("COOKING", t0.Add(time.Second)); !changed || err != nil {
		t.Errorf("stop: %v %v", changed, err)
	}
	if changed, _ := o.FulfilmentStopped("COOKING", t0.Add(2*time.Second)); changed {
		t.Error("a repeated stop changed the order")
	}
	if o.Cancellation.FulfilmentStage != "COOKING" || !o.Cancellation.FulfilmentStoppedAt.Equal(t0.Add(time.Second)) {
		t.Errorf("cancellation %+v", o.Cancellation)
	}
	if !o.RejectCancellation("SHIPPED", "already shipped", t0) || o.RejectCancellation("SHIPPED", "again", t0) {
		t.Error("want the first rejection recorded and the second ignored")
	}
	if o.Status != Cancelled || o.CancellationRejected.Reason != "already shipped" {
		t.Errorf("after rejection: status %s, %+v", o.Status, o.CancellationRejected)
	}
}
