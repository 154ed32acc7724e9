package ordering_test

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/contract"
)

// testVipOnThirdOrderOnceDespiteDuplicates delivers every OrderPlaced twice
// (a redelivery: same id, stopped by the inbox) and the third once more
// with a fresh id (a republish past the inbox, stopped by the customer's
// own record of counted orders): CustomerBecameVip is logged exactly once.
func testVipOnThirdOrderOnceDespiteDuplicates(t *testing.T, e *env) {
	var ids []string
	for i := 0; i < 4; i++ {
		ids = append(ids, e.place("c-1"))
	}
	e.place("c-other")
	for i, id := range ids {
		placed := e.placedEvent(id)
		e.deliver(placed)
		e.deliver(placed)
		if i == 2 {
			again := placed
			again.ID = event.NewID()
			e.deliver(again)
			if c := e.customer("c-1"); c.Tier != "VIP" || c.OrderCount != 3 {
				t.Fatalf("after the third order: %+v, want VIP with 3 orders", c)
			}
		}
	}
	vips := e.logged(contract.TypeCustomerBecameVip, "")
	if len(vips) != 1 {
		t.Fatalf("%d CustomerBecameVip events, want 1", len(vips))
	}
	var vip contract.CustomerBecameVip
	if err := vips[0].Decode(&vip); err != nil {
		t.Fatal(err)
	}
	third := e.placedEvent(ids[2])
	if vip.CustomerID != "c-1" || vip.Orders != 3 || vips[0].Topic != contract.Topic ||
		vips[0].Stream != "ordering/customer-c-1" || vips[0].CausationID != third.ID ||
		vips[0].CorrelationID == third.CorrelationID {
		t.Errorf("VIP event %+v %+v: want c-1 at 3 orders on topic ordering, caused by the third order "+
			"but outside its chain", vip, vips[0])
	}
	c := e.customer("c-1")
	if c.Tier != "VIP" || c.OrderCount != 4 || c.PlacedCount != 4 || c.CancelledCount != 0 || c.VipSince == nil {
		t.Errorf("customer %+v, want VIP with 4 orders", c)
	}
}

// testCancelledOrderUncountsButVipStays cancels orders of a VIP: the count
// drops (once per order, however often the OrderCancelled comes), the tier
// stays.
func testCancelledOrderUncountsButVipStays(t *testing.T, e *env) {
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, e.place("c-1"))
		e.deliver(e.placedEvent(ids[i]))
	}
	for _, id := range ids[:2] {
		e.json("POST", "/v1/orders/"+id+"/cancel", "", http.StatusOK, nil)
		cancelled := e.loggedOne(contract.TypeOrderCancelled, id)
		e.deliver(cancelled)
		e.deliver(cancelled)
		again := cancelled
		again.ID = event.NewID()
		e.deliver(again)
	}
	c := e.customer("c-1")
	if c.Tier != "VIP" || c.OrderCount != 1 || c.PlacedCount != 3 || c.CancelledCount != 2 {
		t.Errorf("customer %+v, want VIP with 1 order of 3 placed, 2 cancelled", c)
	}
	if n := len(e.logged(contract.TypeCustomerBecameVip, "")); n != 1 {
		t.Errorf("%d VIP events, want 1", n)
	}
}

// testCancelledOrdersDoNotMakeVip: two orders and a cancelled one are not
// three.
func testCancelledOrdersDoNotMakeVip(t *testing.T, e *env) {
	a, b := e.place("c-1"), e.place("c-1")
	e.deliver(e.placedEvent(a))
	e.deliver(e.placedEvent(b))
	e.json("POST", "/v1/orders/"+b+"/cancel", `{"reason":"oops"}`, http.StatusOK, nil)
	e.deliver(e.loggedOne(contract.TypeOrderCancelled, b))
	c := e.place("c-1")
	e.deliver(e.placedEvent(c))
	if got := e.customer("c-1"); got.Tier != "REGULAR" || got.OrderCount != 2 {
		t.Errorf("customer %+v, want REGULAR with 2 orders", got)
	}
	e.deliver(e.placedEvent(e.place("c-1")))
	if got := e.customer("c-1"); got.Tier != "VIP" || got.OrderCount != 3 {
		t.Errorf("customer %+v, want VIP with 3 orders", got)
	}
}

func testUnknownCustomerIs404(t *testing.T, e *env) {
	e.json("GET", "/v1/customers/nobody", "", http.StatusNotFound, nil)
	// Placed but not yet counted (the OrderPlaced has not come round).
	e.place("c-1")
	e.json("GET", "/v1/customers/c-1", "", http.StatusNotFound, nil)
}

// testConcurrentOrdersOfOneCustomer handles one customer's orders at once:
// saves that lose the race fail with a retryable concurrency error and
// count on the retry, as the consumer would redeliver them.
func testConcurrentOrdersOfOneCustomer(t *testing.T, e *env) {
	const n = 8
	var placed []event.Envelope
	for i := 0; i < n; i++ {
		placed = append(placed, e.placedEvent(e.place("c-1")))
	}
	var wg sync.WaitGroup
	var conflicts atomic.Int64
	errs := make(chan error, n)
	for _, env := range placed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- deliverWithRetries(e, env, &conflicts)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if c := e.customer("c-1"); c.OrderCount != n || c.Tier != "VIP" {
		t.Errorf("customer %+v, want VIP with %d orders", c, n)
	}
	if got := len(e.logged(contract.TypeCustomerBecameVip, "")); got != 1 {
		t.Errorf("%d VIP events, want 1", got)
	}
	t.Logf("%d saves lost the race and were retried", conflicts.Load())
}

// deliverWithRetries retries a retryable failure, as the consumer does.
func deliverWithRetries(e *env, env event.Envelope, conflicts *atomic.Int64) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := e.handle(env)
		switch {
		case err == nil:
			return nil
		case event.IsPermanent(err) || !errors.Is(err, event.ErrConcurrency):
			return fmt.Errorf("%s: %v (permanent %v), want nil or a retryable concurrency error",
				env.ID, err, event.IsPermanent(err))
		case time.Now().After(deadline):
			return fmt.Errorf("%s: still conflicting: %v", env.ID, err)
		}
		conflicts.Add(1)
	}
}

// testLongCustomerStreamSnapshots counts enough orders to cross the
// snapshot interval twice: the counts stay right, loaded from a snapshot.
func testLongCustomerStreamSnapshots(t *testing.T, e *env) {
	const n = 45
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("o-%02d", i)
		env, err := event.New(contract.Topic, contract.TypeOrderPlaced, contract.Source, id,
			contract.OrderPlaced{ID: id, CustomerID: "c-long", PlacedAt: time.Now().UTC()})
		if err != nil {
			t.Fatal(err)
		}
		e.deliver(env)
	}
	var version int64
	err := e.store.Read().QueryRowContext(e.ctx, `SELECT version FROM event_snapshots WHERE kind = ? AND stream = ?`,
		"customer", "ordering/customer-c-long").Scan(&version)
	if err != nil || version != 40 {
		t.Fatalf("snapshot at version %d (%v), want 40", version, err)
	}
	if c := e.customer("c-long"); c.OrderCount != n || c.Tier != "VIP" {
		t.Errorf("customer %+v, want VIP with %d orders", c, n)
	}
}

// testOrderEventWithBadCustomerIsPermanent: a customer id that can never
// be valid goes to the dead letters at once.
func testOrderEventWithBadCustomerIsPermanent(t *testing.T, e *env) {
	env, err := event.New(contract.Topic, contract.TypeOrderPlaced, contract.Source, "o-1",
		contract.OrderPlaced{ID: "o-1", CustomerID: "no spaces allowed"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.handle(env); !event.IsPermanent(err) {
		t.Errorf("handle: %v, want a permanent error", err)
	}
}
