package scm

import (
	"context"
	"testing"
	"time"
)

// TestReservationsAreReleasedWhenDue: the expiry loop wakes at the first
// reservation's expiry, not only every interval. With an interval of an
// hour, the release must still come as soon as the hold is due.
func TestReservationsAreReleasedWhenDue(t *testing.T) {
	h := newHarness(t, Options{ReservationTTL: 200 * time.Millisecond, Now: func() time.Time { return time.Now().UTC() }})
	h.call("POST", "/v1/batches", `{"ref":"b-1","sku":"TOFU","qty":1,"eta":null}`, 201, nil)
	h.call("POST", "/v1/carts/k-1/items", `{"sku":"TOFU","qty":1}`, 201, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.svc.inventory.RunExpiry(ctx, time.Hour) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, 10*time.Second, "the reservation released when due (not after the loop's hour)", func() bool {
		var cart struct{ Items []struct{ SKU string } }
		h.call("GET", "/v1/carts/k-1", "", 200, &cart)
		return len(cart.Items) == 0
	})
	var b struct{ Available int }
	h.call("GET", "/v1/batches/b-1", "", 200, &b)
	if b.Available != 1 {
		t.Errorf("after the release: %d available, want 1", b.Available)
	}
}
