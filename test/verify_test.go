package systemtest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// settleTimeout bounds how long every order may take to get SCM's answer.
const settleTimeout = 60 * time.Second

// verify runs on the final process: it finishes the pending keyed orders,
// replays every keyed order, waits until every stored order is final, and
// checks that each was stored once and allocated at most once.
func (s scenario) verify(t *testing.T, c *client, led *ledger, natsURL string) {
	ctx := context.Background()
	if err := led.resolve(ctx, c, led.pending, 30*time.Second); err != nil {
		t.Fatalf("pending keyed orders: %v", err)
	}
	checkReplays(t, c, led)
	// The sentinel commits after every other order; once SCM has answered
	// for it, the relay (which publishes in log order) has published them all.
	sentinel := attempt{customer: "sentinel", key: "key-sentinel", req: newOrder("sentinel", ampleStock.sku, 1)}
	if err := led.resolve(ctx, c, []attempt{sentinel}, 30*time.Second); err != nil {
		t.Fatalf("sentinel order: %v", err)
	}
	began := time.Now()
	views, err := awaitFinal(ctx, c, keys(led.accepted), settleTimeout)
	if err != nil {
		t.Fatalf("orders that got a 201: %v", err)
	}
	settled := time.Since(began)
	t.Logf("all %d accepted orders final %v after the checks began on the final process", len(views), settled.Round(time.Millisecond))
	if s.settleWithin > 0 && settled > s.settleWithin {
		t.Errorf("orders took %v to become final after the restart, want within %v: messages the stopped "+
			"process had taken were not handed back and waited for the ack wait (%v)",
			settled.Round(time.Millisecond), s.settleWithin, s.ackWait)
	}
	pub, err := publishedOrders(ctx, natsURL, s.stream, s.prefix)
	if err != nil {
		t.Fatalf("read OrderPlaced events: %v", err)
	}
	orphans := s.checkPlacedOnce(t, led, pub)
	more, err := awaitFinal(ctx, c, orphans, settleTimeout)
	if err != nil {
		t.Fatalf("orders stored without a 201: %v", err)
	}
	for id, v := range more {
		views[id] = v
	}
	for _, st := range s.stocks() {
		checkAllocations(t, c, st, views)
	}
	s.report(t, led, pub, len(orphans))
}

// report logs the figures of the run and fails on answers no client should get.
func (s scenario) report(t *testing.T, led *ledger, pub published, orphans int) {
	kills := 0
	for _, d := range s.disruptions {
		if d == sigkill {
			kills++
		}
	}
	t.Logf("figures: SIGKILL=%d SIGTERM=%d accepted=%d (keyed pending at stop=%d) uncertain unkeyed=%d "+
		"stored without 201=%d OrderPlaced messages=%d distinct=%d outcomes=%v", kills, len(s.disruptions)-kills,
		len(led.accepted), len(led.pending), len(led.uncertain), orphans, pub.messages, len(pub.orders), led.outcomes)
	if len(led.errors) > 0 {
		t.Logf("first transport errors: %q", led.errors)
	}
	for status, n := range led.outcomes {
		if code, err := strconv.Atoi(status); err == nil && code >= 400 && code < 500 {
			t.Errorf("%d POST /v1/orders answered %s", n, status)
		}
	}
}

// checkReplays sends every keyed order again: each must answer 201 with
// the id of the first answer, marked as a replay.
func checkReplays(t *testing.T, c *client, led *ledger) {
	var mu sync.Mutex
	var keyed, bad int
	parallel(keys(led.accepted), func(id string) {
		a := led.accepted[id]
		if a.key == "" {
			return
		}
		p, err := c.placeOrder(context.Background(), a.req, a.key)
		mu.Lock()
		defer mu.Unlock()
		keyed++
		if err != nil || p.status != http.StatusCreated || p.id != id || !p.replayed {
			bad++
			if bad <= 5 {
				t.Errorf("replay of %s (order %s): status %d id %q replayed %v err %v", a.key, id, p.status, p.id, p.replayed, err)
			}
		}
	})
	t.Logf("replayed %d keyed orders after the restart: %d answered differently", keyed, bad)
}

// checkPlacedOnce compares the published orders with the ledger and returns
// the orders stored without a 201 (from unkeyed requests whose answer was lost).
func (s scenario) checkPlacedOnce(t *testing.T, led *ledger, pub published) (orphans []string) {
	for id, a := range led.accepted {
		e, ok := pub.orders[id]
		switch {
		case !ok:
			t.Errorf("order %s (%s) got a 201 but no OrderPlaced was published", id, a.customer)
		case e.CustomerID != a.customer || len(e.Lines) != 1 || e.Lines[0].SKU != a.req.Lines[0].SKU || e.Lines[0].Qty != a.req.Lines[0].Qty:
			t.Errorf("order %s: published %+v, placed %+v", id, e, a.req)
		}
	}
	byCustomer := map[string][]string{}
	for id, e := range pub.orders {
		byCustomer[e.CustomerID] = append(byCustomer[e.CustomerID], id)
		if _, ok := led.accepted[id]; ok {
			continue
		}
		orphans = append(orphans, id)
		if !s.orphansAllowed || !led.uncertain[e.CustomerID] {
			t.Errorf("order %s of %s is stored but no client got a 201 for it (uncertain request: %v)",
				id, e.CustomerID, led.uncertain[e.CustomerID])
		}
	}
	for customer, ids := range byCustomer {
		if len(ids) > 1 {
			t.Errorf("one logical order (%s) was stored %d times: %v", customer, len(ids), ids)
		}
	}
	return orphans
}

// checkAllocations checks that the batch's allocated quantity is exactly
// what its ALLOCATED orders hold, within its stock, and that an order was
// backordered only when the batch could not cover it.
func checkAllocations(t *testing.T, c *client, st stock, views map[string]orderView) {
	b, err := c.batch(context.Background(), st.ref)
	if err != nil {
		t.Fatal(err)
	}
	var held, allocated, backordered int
	var short []string
	for id, o := range views {
		if len(o.Lines) != 1 || o.Lines[0].SKU != st.sku {
			continue
		}
		l := o.Lines[0]
		switch o.Status {
		case "ALLOCATED":
			held, allocated = held+l.Qty, allocated+1
			if l.BatchRef != st.ref {
				t.Errorf("order %s ALLOCATED to batch %q, want %q", id, l.BatchRef, st.ref)
			}
		case "BACKORDERED":
			backordered++
			if !st.limited || l.Qty <= b.Available {
				short = append(short, fmt.Sprintf("%s(qty %d)", id, l.Qty))
			}
		}
	}
	t.Logf("%s: stock %d, batch allocated %d, available %d; %d orders ALLOCATED holding %d, %d BACKORDERED",
		st.sku, st.qty, b.Allocated, b.Available, allocated, held, backordered)
	if b.Allocated != held {
		t.Errorf("%s: batch %s says %d allocated, its ALLOCATED orders hold %d: allocations lost or doubled",
			st.sku, st.ref, b.Allocated, held)
	}
	if b.Allocated > st.qty || b.Available != st.qty-b.Allocated {
		t.Errorf("%s: batch %s of %d has %d allocated and %d available", st.sku, st.ref, st.qty, b.Allocated, b.Available)
	}
	if len(short) > 0 {
		t.Errorf("%s: %d orders BACKORDERED although %d units remain: %v", st.sku, len(short), b.Available, short[:min(5, len(short))])
	}
}

// awaitFinal polls until every order is ALLOCATED or BACKORDERED.
func awaitFinal(ctx context.Context, c *client, ids []string, timeout time.Duration) (map[string]orderView, error) {
	done := map[string]orderView{}
	remaining := ids
	err := eventually(ctx, timeout, func() error {
		views, errs := fetchOrders(ctx, c, remaining)
		var next []string
		for _, id := range remaining {
			if v, ok := views[id]; ok && v.final() {
				done[id] = v
			} else {
				next = append(next, id)
			}
		}
		remaining = next
		if len(remaining) == 0 {
			return nil
		}
		id := remaining[0]
		return fmt.Errorf("%d orders not final, e.g. %s: status %q, err %v", len(remaining), id, views[id].Status, errs[id])
	})
	return done, err
}

func fetchOrders(ctx context.Context, c *client, ids []string) (map[string]orderView, map[string]error) {
	var mu sync.Mutex
	views, errs := map[string]orderView{}, map[string]error{}
	parallel(ids, func(id string) {
		v, err := c.order(ctx, id)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs[id] = err
			return
		}
		views[id] = v
	})
	return views, errs
}

// parallel calls f for every item from a few goroutines.
func parallel[T any](items []T, f func(T)) {
	ch := make(chan T)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for it := range ch {
				f(it)
			}
		})
	}
	for _, it := range items {
		ch <- it
	}
	close(ch)
	wg.Wait()
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
