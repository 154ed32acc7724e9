package scm

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
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

// TestExpiryGoesOnPastAFailingSKU: a SKU whose release fails is reported,
// and the holds of the other SKUs due in the same pass are still released;
// the next pass releases the failed one once it can.
func TestExpiryGoesOnPastAFailingSKU(t *testing.T) {
	h := newHarness(t, Options{ReservationTTL: time.Minute})
	for _, sku := range []string{"AAA", "BBB"} {
		h.addBatch("b-"+sku, sku, 1)
		h.call("POST", "/v1/carts/k-1/items", `{"sku":"`+sku+`","qty":1}`, 201, nil)
	}
	ctx := context.Background()
	// AAA, the first in the pass, cannot be written for now.
	h.exec(`CREATE TRIGGER refuse_aaa BEFORE UPDATE ON scm_products
		WHEN NEW.sku = 'AAA' BEGIN SELECT RAISE(ABORT, 'AAA is read-only'); END`)
	h.clock.Advance(2 * time.Minute)
	n, err := h.svc.inventory.ExpireReservations(ctx)
	if err == nil || !strings.Contains(err.Error(), "AAA") || n != 1 || h.available("BBB") != 1 || h.available("AAA") != 0 {
		t.Fatalf("pass with AAA failing: %d released, err %v, BBB %d free, AAA %d free; want 1, an error naming AAA, 1, 0",
			n, err, h.available("BBB"), h.available("AAA"))
	}
	h.exec(`DROP TRIGGER refuse_aaa`)
	if n, err := h.svc.inventory.ExpireReservations(ctx); err != nil || n != 1 || h.available("AAA") != 1 {
		t.Errorf("next pass: %d released, err %v, AAA %d free; want 1, none, 1", n, err, h.available("AAA"))
	}
}

// exec runs a statement in its own transaction through the store's writer.
func (h *harness) exec(statement string) {
	h.t.Helper()
	err := h.store.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
		_, err := tx.ExecContext(ctx, statement)
		return err
	})
	if err != nil {
		h.t.Fatalf("%s: %v", statement, err)
	}
}
