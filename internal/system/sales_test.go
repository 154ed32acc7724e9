package system_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/system"
	"github.com/banchan/banchan/internal/testenv"
)

type salesReport struct {
	Buckets []struct {
		Start  time.Time
		Units  int64
		Amount int64
		Orders int64
		SKUs   []struct {
			SKU    string
			Units  int64
			Amount int64
			Orders int64
		}
		Cancellations   int64
		CancelledAmount int64
	}
	Total struct {
		Units, Amount, Orders, Cancellations, CancelledUnits, CancelledAmount int64
	}
}

// appendEvent commits an event straight into the log, as a service would.
func appendEvent(t *testing.T, e *testenv.Env, typ, stream string, data any) {
	t.Helper()
	env, err := event.New("ordering", typ, "/banchan/test", stream, data)
	if err != nil {
		t.Fatal(err)
	}
	env.Stream = stream
	err = e.Sys.Store().Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
		return tx.Append(ctx, env)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func waitProjectionsCaughtUp(e *testenv.Env) {
	e.Eventually(10*time.Second, "projections caught up", func() bool {
		var ps struct {
			Items []struct {
				Name    string
				Lag     int64
				Rebuild *struct{}
			}
		}
		e.JSON("GET", "/v1/projections", "", http.StatusOK, &ps)
		for _, p := range ps.Items {
			if p.Lag != 0 || p.Rebuild != nil {
				return false
			}
		}
		return len(ps.Items) == 2
	})
}

func TestSalesFiguresAndCustomerCounts(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 100)
	e.AddBatch("b-2", "MANDU-1KG", 100)
	e.PlaceOrder("c-1", "KIMCHI-500G", 2) // 2 × 5900
	e.PlaceOrder("c-1", "KIMCHI-500G", 1)
	e.JSON("POST", "/v1/orders", `{"customerId":"c-2","lines":[{"sku":"KIMCHI-500G","qty":1,"unitPrice":5900},
		{"sku":"MANDU-1KG","qty":3,"unitPrice":7000}],"deliveryAddress":{"name":"Lee","line1":"2 Road","postcode":"06001"}}`,
		http.StatusCreated, nil)
	appendEvent(t, e, "OrderCancelled", "ordering/order-x", map[string]any{"id": "x", "customerId": "c-1",
		"lines": []map[string]any{{"sku": "KIMCHI-500G", "qty": 1, "unitPrice": 5900}}, "cancelledAt": time.Now()})
	// An event the projections cannot read is skipped, not retried forever.
	appendEvent(t, e, "OrderPlaced", "ordering/order-bad", map[string]any{"lines": "not a list"})
	waitProjectionsCaughtUp(e)

	var day salesReport
	e.JSON("GET", "/v1/sales?granularity=day", "", http.StatusOK, &day)
	if len(day.Buckets) != 1 || day.Total.Orders != 3 || day.Total.Units != 7 || day.Total.Amount != 4*5900+21000 ||
		day.Total.Cancellations != 1 || day.Total.CancelledAmount != 5900 {
		t.Fatalf("day figures: %+v", day)
	}
	if skus := day.Buckets[0].SKUs; len(skus) != 2 || skus[0].SKU != "KIMCHI-500G" || skus[0].Orders != 3 ||
		skus[0].Units != 4 || skus[1].Amount != 21000 {
		t.Errorf("per-SKU figures: %+v", skus)
	}
	var mandu salesReport
	e.JSON("GET", "/v1/sales?granularity=hour&sku=MANDU-1KG", "", http.StatusOK, &mandu)
	if len(mandu.Buckets) != 1 || mandu.Total.Units != 3 || mandu.Total.Orders != 1 || len(mandu.Buckets[0].SKUs) != 0 {
		t.Errorf("one SKU by hour: %+v", mandu)
	}
	var seoul salesReport
	e.JSON("GET", "/v1/sales?tz=Asia/Seoul", "", http.StatusOK, &seoul)
	if _, off := seoul.Buckets[0].Start.Zone(); off != 9*3600 || seoul.Total != day.Total {
		t.Errorf("Seoul days: start %v, total %+v", seoul.Buckets[0].Start, seoul.Total)
	}
	var none salesReport
	e.JSON("GET", "/v1/sales?from=2020-01-01&to=2020-01-02", "", http.StatusOK, &none)
	if len(none.Buckets) != 0 || none.Total.Orders != 0 {
		t.Errorf("a range without orders: %+v", none)
	}

	var c1 struct {
		Orders, Cancelled, Units, Amount int64
		FirstOrderAt, LastOrderAt        time.Time
	}
	e.JSON("GET", "/v1/sales/customers/c-1", "", http.StatusOK, &c1)
	if c1.Orders != 2 || c1.Cancelled != 1 || c1.Amount != 3*5900 || c1.FirstOrderAt.After(c1.LastOrderAt) || c1.FirstOrderAt.IsZero() {
		t.Errorf("customer c-1: %+v", c1)
	}
	var top struct{ Items []struct{ CustomerID string } }
	e.JSON("GET", "/v1/sales/customers?limit=1", "", http.StatusOK, &top)
	if len(top.Items) != 1 || top.Items[0].CustomerID != "c-2" {
		t.Errorf("top customer: %+v, want c-2", top.Items)
	}
	e.JSON("GET", "/v1/sales/customers/nobody", "", http.StatusNotFound, nil)
	// The services may still be reacting to the appended orders (appending
	// events of their own), so the lag shows 0 once they have settled.
	e.Eventually(10*time.Second, "the sales projection's lag 0 on /metrics", func() bool {
		_, m := e.Do("GET", "/metrics", "", nil)
		return strings.Contains(string(m), `banchan_projection_lag{projection="sales"} 0`)
	})
}

func TestSalesBadQueries(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	for _, tc := range []struct{ query, field string }{
		{"granularity=week", "granularity"},
		{"tz=Mars/Olympus", "tz"},
		{"tz=Asia/Kolkata", "tz"},
		{"from=yesterday", "from"},
		{"to=2026-13-01", "to"},
		{"from=2026-12-02&to=2026-12-01", "to"},
	} {
		code, body := e.Do("GET", "/v1/sales?"+tc.query, "", nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %d %s, want 422 naming %s", tc.query, code, body, tc.field)
		}
	}
	code, body := e.Do("GET", "/v1/sales/customers?limit=0", "", nil)
	if code != http.StatusUnprocessableEntity {
		t.Errorf("limit=0: %d %s", code, body)
	}
	code, _ = e.Do("POST", "/v1/projections/nope/rebuild", "", nil)
	if code != http.StatusNotFound {
		t.Errorf("rebuild of an unknown projection: %d, want 404", code)
	}
}

func TestProjectionRebuildGivesTheSameModel(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 100)
	for i := range 5 {
		e.PlaceOrder("c-"+string(rune('a'+i%2)), "KIMCHI-500G", i+1)
	}
	waitProjectionsCaughtUp(e)
	_, before := e.Do("GET", "/v1/sales?granularity=hour", "", nil)
	_, customersBefore := e.Do("GET", "/v1/sales/customers", "", nil)

	var out bytes.Buffer
	err := system.Projections(context.Background(), []string{"rebuild", "sales", "--server", e.Base}, &out, &out)
	if err != nil || !strings.Contains(out.String(), "generation 2 live") {
		t.Fatalf("projections rebuild: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := system.Projections(context.Background(), []string{"rebuild", "--server", e.Base, "customers"}, &out, &out); err != nil {
		t.Fatalf("projections rebuild customers: %v\n%s", err, out.String())
	}
	if _, after := e.Do("GET", "/v1/sales?granularity=hour", "", nil); !bytes.Equal(after, before) {
		t.Errorf("sales after the rebuild:\n%s\nbefore:\n%s", after, before)
	}
	if _, after := e.Do("GET", "/v1/sales/customers", "", nil); !bytes.Equal(after, customersBefore) {
		t.Errorf("customers after the rebuild:\n%s\nbefore:\n%s", after, customersBefore)
	}
	out.Reset()
	if err := system.Projections(context.Background(), []string{"list", "--server", e.Base}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "sales") || !strings.Contains(out.String(), "customers") {
		t.Errorf("projections list:\n%s", out.String())
	}
	var st struct{ Live struct{ Generation int64 } }
	if err := json.Unmarshal([]byte(mustGet(t, e, "/v1/projections/sales")), &st); err != nil || st.Live.Generation != 2 {
		t.Errorf("sales live generation %d after one rebuild (%v)", st.Live.Generation, err)
	}
	if err := system.Projections(context.Background(), []string{"rebuild", "--server", e.Base}, &out, &out); err == nil {
		t.Error("rebuild without a name was accepted")
	}
}

func mustGet(t *testing.T, e *testenv.Env, path string) string {
	t.Helper()
	code, body := e.Do("GET", path, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	return string(body)
}

// TestTopCustomersCountWhatWasNotCancelled: the ranking is by amount net
// of cancellations, so a large order taken back does not put its customer
// first.
func TestTopCustomersCountWhatWasNotCancelled(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 100)
	big := e.PlaceOrder("c-big", "KIMCHI-500G", 50)
	e.PlaceOrder("c-small", "KIMCHI-500G", 1)
	e.JSON("POST", "/v1/orders/"+big+"/cancel", `{"reason":"changed my mind"}`, http.StatusOK, nil)
	type customer struct {
		CustomerID string
		NetAmount  int64
	}
	var top struct{ Items []customer }
	e.Eventually(10*time.Second, "c-small ranked first once the cancellation is counted", func() bool {
		e.JSON("GET", "/v1/sales/customers?limit=2", "", http.StatusOK, &top)
		return len(top.Items) == 2 && top.Items[0].CustomerID == "c-small"
	})
	if big := top.Items[1]; big.NetAmount != 0 || top.Items[0].NetAmount != 5900 {
		t.Errorf("net amounts %+v, want c-small 5900 and c-big 0", top.Items)
	}
}
