package scm

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestInventoryTablesStayConsistent runs random inventory requests over
// HTTP and checks the tables after each: batch totals equal the lines and
// holds stored for them and never exceed the batch, and no order line is
// both allocated and waiting. At the end the product read afresh after a
// restart (no cache) equals the one the running service showed.
func TestInventoryTablesStayConsistent(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			h := newHarness(t, Options{})
			rng := rand.New(rand.NewPCG(seed, 11))
			batches, orders := 0, 0
			addBatch := func() {
				eta := "null"
				if rng.IntN(2) == 0 {
					eta = fmt.Sprintf(`"2030-01-%02d"`, 1+rng.IntN(28))
				}
				h.call("POST", "/v1/batches", fmt.Sprintf(`{"ref":"r-%d","sku":"MIX","qty":%d,"eta":%s}`, batches, 1+rng.IntN(6), eta), 201, nil)
				batches++
			}
			addBatch()
			for step := range 80 {
				var code int
				var body, op string
				switch rng.IntN(9) {
				case 0, 1, 2:
					orders++
					op = fmt.Sprintf(`{"orderId":"o-%d","sku":"MIX","qty":%d}`, orders, 1+rng.IntN(4))
					code, body = h.do("POST", "/v1/allocations", op)
				case 3:
					op = fmt.Sprintf("/v1/carts/k-%d/items", rng.IntN(3))
					code, body = h.do("POST", op, fmt.Sprintf(`{"sku":"MIX","qty":%d}`, 1+rng.IntN(3)))
				case 4:
					op = fmt.Sprintf("/v1/carts/k-%d/items/MIX", rng.IntN(3))
					code, body = h.do("DELETE", op, "")
				case 5, 6:
					op = fmt.Sprintf("/v1/batches/r-%d", rng.IntN(batches))
					code, body = h.do("PATCH", op, fmt.Sprintf(`{"qty":%d}`, rng.IntN(8)))
				case 8: // an order line again: a no-op, wherever it went
					if orders == 0 {
						continue
					}
					op = fmt.Sprintf(`{"orderId":"o-%d","sku":"MIX","qty":1}`, 1+rng.IntN(orders))
					code, body = h.do("POST", "/v1/allocations", op)
				default:
					addBatch()
					op, code = "add batch", 201
				}
				if code >= 500 || (code >= 400 && code != 404 && code != 409) {
					t.Fatalf("step %d %s: %d %s", step, op, code, body)
				}
				checkInventoryTables(t, h, fmt.Sprintf("step %d %s", step, op))
			}
			before := productView(t, h)
			h.restart()
			if after := productView(t, h); !reflect.DeepEqual(before, after) {
				t.Errorf("after a restart the product is\n%v\nnot\n%v", after, before)
			}
		})
	}
}

func productView(t *testing.T, h *harness) map[string]any {
	t.Helper()
	_, body := h.do("GET", "/v1/products/MIX", "")
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func checkInventoryTables(t *testing.T, h *harness, when string) {
	t.Helper()
	ctx := context.Background()
	var bad int
	q := `SELECT COUNT(*) FROM scm_batches b WHERE b.allocated + b.reserved > b.qty
		OR b.allocated <> (SELECT COALESCE(SUM(qty), 0) FROM scm_allocations a WHERE a.batch_ref = b.ref AND a.cart_id = '')
		OR b.reserved <> (SELECT COALESCE(SUM(qty), 0) FROM scm_allocations a WHERE a.batch_ref = b.ref AND a.cart_id <> '')`
	if err := h.store.Read().QueryRowContext(ctx, q).Scan(&bad); err != nil || bad != 0 {
		t.Fatalf("%s: %d batches whose totals disagree with their lines or exceed them (%v)", when, bad, err)
	}
	q = `SELECT COUNT(*) FROM scm_backorders w JOIN scm_allocations a ON a.order_id = w.order_id AND a.item_code = w.sku`
	if err := h.store.Read().QueryRowContext(ctx, q).Scan(&bad); err != nil || bad != 0 {
		t.Fatalf("%s: %d lines both allocated and waiting (%v)", when, bad, err)
	}
	q = `SELECT COUNT(*) FROM scm_backorders w JOIN scm_batches b ON b.sku = w.sku AND b.qty - b.allocated - b.reserved >= w.qty`
	if err := h.store.Read().QueryRowContext(ctx, q).Scan(&bad); err != nil || bad != 0 {
		t.Fatalf("%s: %d lines waiting for stock that a batch has free (%v)", when, bad, err)
	}
	q = `SELECT COUNT(*) FROM scm_products p WHERE p.waiting <> (SELECT COALESCE(SUM(qty), 0) FROM scm_backorders w WHERE w.sku = p.sku)`
	if err := h.store.Read().QueryRowContext(ctx, q).Scan(&bad); err != nil || bad != 0 {
		t.Fatalf("%s: %d products whose waiting total disagrees with their waiting lines (%v)", when, bad, err)
	}
}
