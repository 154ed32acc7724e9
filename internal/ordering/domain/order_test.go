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
