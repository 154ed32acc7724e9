package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStatusOnlyMovesForward(t *testing.T) {
	cases := []struct {
		from, to Status
		want     bool
	}{
		{Placed, Allocated, true},
		{Placed, Backordered, true},
		{Backordered, Allocated, true},
		{Allocated, Backordered, false},
		{Allocated, Allocated, false},
		{Allocated, Cooking, true},
		{Cooking, PickedUp, true},
		{PickedUp, Packed, true},
		{Packed, Shipped, true},
		{Shipped, Delivered, true},
		{Delivered, Shipped, false},
		{Shipped, Allocated, false},
		{Placed, Cancelled, true},
		{Cancelled, Allocated, false},
		{Delivered, Cancelled, false},
		{Placed, Status("LOST"), false},
	}
	for _, c := range cases {
		if got := c.from.CanMoveTo(c.to); got != c.want {
			t.Errorf("%s → %s: %v, want %v", c.from, c.to, got, c.want)
		}
	}
}

func TestMoveToRecordsHistory(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	o := NewOrder("o-1", PlaceRequest{CustomerID: "c-1", Lines: []Line{{SKU: "A", Qty: 2, UnitPrice: 500}}}, t0)
	if err := o.MoveTo(Allocated, t0.Add(time.Second), ""); err != nil {
		t.Fatal(err)
	}
	if err := o.MoveTo(Placed, t0.Add(2*time.Second), ""); !errors.Is(err, ErrTransition) {
		t.Errorf("backwards move: %v, want ErrTransition", err)
	}
	if o.Status != Allocated || len(o.History) != 2 || o.History[1].Status != Allocated || o.TotalAmount != 1000 {
		t.Errorf("order after moves: %+v", o)
	}
}

func TestPlaceRequestValidation(t *testing.T) {
	good := PlaceRequest{CustomerID: "c-1", Lines: []Line{{SKU: "KIMCHI-500G", Qty: 1, UnitPrice: 5900}},
		DeliveryAddress: Address{Name: "Kim", Line1: "1 Road", Postcode: "06000"}}
	cases := []struct {
		name   string
		change func(*PlaceRequest)
		fields string
	}{
		{"valid", func(*PlaceRequest) {}, ""},
		{"no customer", func(r *PlaceRequest) { r.CustomerID = "" }, "customerId"},
		{"customer with spaces", func(r *PlaceRequest) { r.CustomerID = "a b" }, "customerId"},
		{"no lines", func(r *PlaceRequest) { r.Lines = nil }, "lines"},
		{"zero qty", func(r *PlaceRequest) { r.Lines[0].Qty = 0 }, "lines[0].qty"},
		{"huge qty", func(r *PlaceRequest) { r.Lines[0].Qty = MaxLineQty + 1 }, "lines[0].qty"},
		{"negative price", func(r *PlaceRequest) { r.Lines[0].UnitPrice = -1 }, "lines[0].unitPrice"},
		{"bad sku", func(r *PlaceRequest) { r.Lines[0].SKU = "" }, "lines[0].sku"},
		{"duplicate sku", func(r *PlaceRequest) { r.Lines = append(r.Lines, r.Lines[0]) }, "lines[1].sku"},
		{"client batch", func(r *PlaceRequest) { r.Lines[0].BatchRef = "b" }, "lines[0].batchRef"},
		{"no address", func(r *PlaceRequest) { r.DeliveryAddress = Address{} },
			"deliveryAddress.name,deliveryAddress.line1,deliveryAddress.postcode"},
		{"blank postcode", func(r *PlaceRequest) { r.DeliveryAddress.Postcode = "  " }, "deliveryAddress.postcode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := good
			r.Lines = append([]Line(nil), good.Lines...)
			c.change(&r)
			err := r.Validate()
			var got []string
			var v ValidationError
			if errors.As(err, &v) {
				for _, f := range v {
					got = append(got, f.Field)
				}
			} else if err != nil {
				t.Fatalf("error %v is not a ValidationError", err)
			}
			if strings.Join(got, ",") != c.fields {
				t.Errorf("invalid fields %v, want %q", got, c.fields)
			}
		})
	}
}

func TestHistoryStaysBoundedUnderAllocationFlips(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name        string
		flips       int
		wantLen     int
		wantOmitted int
	}{
		{"a few flips are all kept", 10, 11, 0},
		{"exactly full", MaxHistory - 1, MaxHistory, 0},
		{"one over", MaxHistory, MaxHistory, 1},
		{"many flips", 1000, MaxHistory, 1001 - MaxHistory},
	}
	for _, c := range cases {
		o := NewOrder("o-1", PlaceRequest{CustomerID: "c"}, t0)
		for i := 1; i <= c.flips; i++ {
			next := Backordered
			if i%2 == 0 {
				next = Allocated
			}
			if !o.ApplyAllocation(next, int64(i), t0.Add(time.Duration(i)*time.Second), "") {
				t.Fatalf("%s: flip %d not applied", c.name, i)
			}
		}
		for _, s := range []Status{Cooking, PickedUp} {
			if err := o.MoveTo(s, t0.Add(time.Hour), ""); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		wantLen := min(c.wantLen+2, MaxHistory)
		wantOmitted := c.wantOmitted + (c.wantLen + 2 - wantLen)
		if len(o.History) != wantLen || o.HistoryOmitted != wantOmitted {
			t.Errorf("%s: %d entries, %d omitted; want %d and %d", c.name, len(o.History), o.HistoryOmitted, wantLen, wantOmitted)
		}
		if o.History[0].Status != Placed {
			t.Errorf("%s: first entry %s, want PLACED", c.name, o.History[0].Status)
		}
		if n := len(o.History); o.History[n-1].Status != PickedUp || o.History[n-2].Status != Cooking {
			t.Errorf("%s: last entries %v, want COOKING then PICKED_UP", c.name, o.History[n-2:])
		}
		// The kept moves are the latest ones, in order.
		last := o.History[len(o.History)-3]
		if want := t0.Add(time.Duration(c.flips) * time.Second); !last.At.Equal(want) {
			t.Errorf("%s: latest allocation move at %v, want %v", c.name, last.At, want)
		}
		for i := 2; i < len(o.History); i++ {
			if o.History[i].At.Before(o.History[i-1].At) {
				t.Errorf("%s: entry %d out of order", c.name, i)
			}
		}
	}
}

func TestApplyAllocationFollowsRevisions(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	type news struct {
		status Status
		rev    int64
	}
	cases := []struct {
		name  string
		start Status
		news  []news
		want  Status
	}{
		{"allocated", Placed, []news{{Allocated, 1}}, Allocated},
		{"reallocation failed", Placed, []news{{Allocated, 1}, {Backordered, 2}}, Backordered},
		{"late backorder ignored", Placed, []news{{Allocated, 2}, {Backordered, 1}}, Allocated},
		{"duplicate ignored", Placed, []news{{Backordered, 1}, {Allocated, 2}, {Allocated, 2}, {Backordered, 1}}, Allocated},
		{"stock arrived", Placed, []news{{Backordered, 1}, {Allocated, 2}}, Allocated},
		{"cooking is not undone", Cooking, []news{{Backordered, 5}}, Cooking},
		{"cancelled stays", Cancelled, []news{{Allocated, 1}}, Cancelled},
		{"no revision only forward", Allocated, []news{{Backordered, 0}}, Allocated},
	}
	for _, c := range cases {
		o := NewOrder("o-1", PlaceRequest{CustomerID: "c"}, t0)
		o.Status = c.start
		for _, n := range c.news {
			o.ApplyAllocation(n.status, n.rev, t0, "")
		}
		if o.Status != c.want {
			t.Errorf("%s: status %s, want %s", c.name, o.Status, c.want)
		}
	}
}
