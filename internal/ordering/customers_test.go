package ordering_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/adapters"
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
// snapshot interval twice: the counts stay right, loaded from a snapshot
// that holds the tally alone (its size does not grow with the orders), and
// what the customer knows of each order, kept beside it, still stops a
// repeat and orders a cancellation seen before its placement.
func testLongCustomerStreamSnapshots(t *testing.T, e *env) {
	const n = 45
	placed := func(id string) event.Envelope {
		env, err := event.New(contract.Topic, contract.TypeOrderPlaced, contract.Source, id,
			contract.OrderPlaced{ID: id, CustomerID: "c-long", PlacedAt: time.Now().UTC()})
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	for i := 0; i < n; i++ {
		e.deliver(placed(fmt.Sprintf("o-%02d", i)))
	}
	var version int64
	var state string
	err := e.store.Read().QueryRowContext(e.ctx, `SELECT version, state FROM event_snapshots WHERE kind = ? AND stream = ?`,
		"customer", "ordering/customer-c-long").Scan(&version, &state)
	if err != nil || version != 40 {
		t.Fatalf("snapshot at version %d (%v), want 40", version, err)
	}
	if len(state) > 120 || strings.Contains(state, "o-0") {
		t.Errorf("snapshot %s: want the tally alone", state)
	}
	if c := e.customer("c-long"); c.OrderCount != n || c.Tier != "VIP" {
		t.Errorf("customer %+v, want VIP with %d orders", c, n)
	}
	// Past the inbox (fresh ids): a repeated placement, a cancellation
	// twice, and a cancellation before its placement.
	again := placed("o-03")
	e.deliver(again)
	e.deliver(customerCancelled(t, "c-long", "o-03"))
	e.deliver(customerCancelled(t, "c-long", "o-03"))
	e.deliver(customerCancelled(t, "c-long", "o-99"))
	e.deliver(placed("o-99"))
	if c := e.customer("c-long"); c.PlacedCount != n+1 || c.CancelledCount != 2 || c.OrderCount != n-1 {
		t.Errorf("customer %+v, want %d placed, 2 cancelled, %d counted", c, n+1, n-1)
	}
	if got := e.count(`ordering_customer_orders WHERE customer_id = 'c-long'`); got != n+1 {
		t.Errorf("%d order records, want %d", got, n+1)
	}
}

// customerCancelled is an OrderCancelled of customer's order id, with a
// fresh event id.
func customerCancelled(t *testing.T, customer, id string) event.Envelope {
	t.Helper()
	env, err := event.New(contract.Topic, contract.TypeOrderCancelled, contract.Source, id,
		contract.OrderCancelled{ID: id, CustomerID: customer, CancelledAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// testCustomerEventsFromBeforeOrderRecords: a customer whose stream was
// written before events said what was known of their order (and whose
// snapshot held every order id) loads with the right tally, and its
// orders' records are filled on its next change, so a repeat is still
// stopped and a cancellation still uncounts.
func testCustomerEventsFromBeforeOrderRecords(t *testing.T, e *env) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	var old []event.Envelope
	for _, step := range []struct{ typ, order string }{
		{adapters.TypeCustomerOrderCounted, "o-1"},
		{adapters.TypeCustomerOrderCounted, "o-2"},
		{adapters.TypeCustomerOrderUncounted, "o-3"}, // seen before its placement
		{adapters.TypeCustomerOrderCounted, "o-3"},
		{adapters.TypeCustomerOrderUncounted, "o-1"},
	} {
		env, err := event.New(adapters.CustomerTopic, step.typ, contract.Source, "c-old",
			map[string]any{"orderId": step.order, "at": at})
		if err != nil {
			t.Fatal(err)
		}
		env.Stream = adapters.CustomerStream("c-old")
		old = append(old, env)
	}
	err := e.store.Update(e.ctx, func(ctx context.Context, tx event.Tx) error {
		if err := tx.Append(ctx, old...); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO event_snapshots (kind, stream, schema, version, state, taken_at)
			VALUES ('customer', ?, 1, 5, ?, '2026-11-30T09:00:00Z')`, adapters.CustomerStream("c-old"),
			`{"id":"c-old","orders":{"o-1":{"placed":true,"cancelled":true},"o-2":{"placed":true},"o-3":{"placed":true,"cancelled":true}}}`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := e.customer("c-old"); c.PlacedCount != 3 || c.CancelledCount != 2 || c.OrderCount != 1 {
		t.Fatalf("customer %+v, want 3 placed, 2 cancelled, 1 counted", c)
	}
	placed := func(id string) event.Envelope {
		env, err := event.New(contract.Topic, contract.TypeOrderPlaced, contract.Source, id,
			contract.OrderPlaced{ID: id, CustomerID: "c-old", PlacedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	e.deliver(placed("o-2"))                        // counted already
	e.deliver(customerCancelled(t, "c-old", "o-1")) // cancelled already
	e.deliver(customerCancelled(t, "c-old", "o-2")) // uncounts
	e.deliver(placed("o-4"))                        // counts
	if c := e.customer("c-old"); c.PlacedCount != 4 || c.CancelledCount != 3 || c.OrderCount != 1 || c.Tier != "REGULAR" {
		t.Errorf("customer %+v, want REGULAR, 4 placed, 3 cancelled, 1 counted", c)
	}
	if got := len(e.logged(adapters.TypeCustomerOrderCounted, "c-old")); got != 4 {
		t.Errorf("%d CustomerOrderCounted events, want 4 (3 old, 1 new)", got)
	}
	if got := e.count(`ordering_customer_orders WHERE customer_id = 'c-old'`); got != 4 {
		t.Errorf("%d order records, want 4", got)
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
