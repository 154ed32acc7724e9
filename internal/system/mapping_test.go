package system_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/system"
	"github.com/banchan/banchan/internal/testenv"
)

// An order the adapter cannot translate (its SKU's mapping was changed to
// an item the SCM does not know after ordering took it) is a dead letter
// naming the fix; once an operator fixes the mapping, a redrive takes the
// order through.
func TestUnknownSKUMappingDeadLettersUntilFixed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Ordering takes the order while no adapter runs; the mapping breaks
	// before the adapter sees it.
	b := testenv.Start(t, testenv.WithDataDir(dir), func(c *system.Config) {
		c.Services = []string{"ordering", "scm", "sales"}
	})
	b.AddBatch("b-promo", "PROMO-1", 10)
	id := b.PlaceOrder("c-1", "PROMO-1", 2)
	err := b.Sys.Store().Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO scmadapter_sku_map (sku, item_code, physical) VALUES ('PROMO-1', 'NO-SUCH-ITEM', 1)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Stop()
	e := testenv.Start(t, testenv.WithDataDir(dir))

	type letter struct {
		ID, Subscription, Reason string
	}
	var dl letter
	e.Eventually(10*time.Second, "the order's dead letter", func() bool {
		var out struct{ Items []letter }
		e.JSON("GET", "/v1/deadletters?subscription=scm-adapter", "", http.StatusOK, &out)
		for _, d := range out.Items {
			if strings.Contains(d.Reason, "maps to SCM item NO-SUCH-ITEM") {
				dl = d
				return true
			}
		}
		return false
	})
	if !strings.Contains(dl.Reason, "PUT /v1/sku-mappings/PROMO-1") {
		t.Errorf("reason %q does not say how to fix it", dl.Reason)
	}
	if o := e.WaitStatus(id, "PLACED"); o.Status != "PLACED" {
		t.Fatalf("order %s", o.Status)
	}
	e.JSON("PUT", "/v1/sku-mappings/PROMO-1", `{"itemCode":"PROMO-1","physical":true}`, http.StatusOK, nil)
	e.JSON("POST", "/v1/deadletters/"+dl.ID+"/redrive", "", http.StatusOK, nil)
	e.WaitStatus(id, "ALLOCATED")

	var m struct {
		Items []struct{ SKU, ItemCode string }
	}
	e.JSON("GET", "/v1/sku-mappings", "", http.StatusOK, &m)
	if len(m.Items) != 1 || m.Items[0].ItemCode != "PROMO-1" {
		t.Errorf("mappings: %+v", m.Items)
	}
	for _, tc := range []struct{ method, path, body string }{
		{"PUT", "/v1/sku-mappings/PROMO-2", `{"itemCode":""}`},
		{"PUT", "/v1/sku-mappings/PROMO-2", `{"itemCode":"X","extra":1}`},
		{"PUT", "/v1/sku-mappings/bad%20sku", `{"itemCode":"X"}`},
		{"GET", "/v1/sku-mappings?limit=0", ""},
	} {
		if code, body := e.Do(tc.method, tc.path, tc.body, map[string]string{"Content-Type": "application/json"}); code/100 != 4 {
			t.Errorf("%s %s %s: %d %s, want 4xx", tc.method, tc.path, tc.body, code, body)
		}
	}
	if code, _ := e.Do("DELETE", "/v1/sku-mappings/PROMO-1", "", nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code, _ := e.Do("GET", "/v1/sku-mappings/PROMO-1", "", nil); code != http.StatusNotFound {
		t.Errorf("after delete: %d", code)
	}
}

// TestOrderingTakesWhatTheAdapterCanPassOn: ordering accepts a SKU mapped
// to an item the SCM knows, and a gift card (by its default or by a
// non-physical mapping), which never reaches the SCM; a SKU mapped to an
// unknown item is refused at once, with the line named.
func TestOrderingTakesWhatTheAdapterCanPassOn(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 10)
	e.JSON("PUT", "/v1/sku-mappings/KIMCHI-XL", `{"itemCode":"KIMCHI-500G","physical":true}`, http.StatusOK, nil)
	e.JSON("PUT", "/v1/sku-mappings/VOUCHER-5", `{"itemCode":"VOUCHER","physical":false}`, http.StatusOK, nil)
	e.JSON("PUT", "/v1/sku-mappings/KIMCHI-OLD", `{"itemCode":"KIMCHI-1990","physical":true}`, http.StatusOK, nil)

	lines := func(ls ...string) string {
		return `{"customerId":"c-1","lines":[` + strings.Join(ls, ",") + `],
			"deliveryAddress":{"name":"Kim","line1":"1 Road","postcode":"06000"}}`
	}
	line := func(sku string, qty int) string {
		return fmt.Sprintf(`{"sku":%q,"qty":%d,"unitPrice":1000}`, sku, qty)
	}
	var o testenv.Order
	e.JSON("POST", "/v1/orders", lines(line("KIMCHI-XL", 3), line("GIFT-CARD-10", 1), line("VOUCHER-5", 2)), http.StatusCreated, &o)
	if o = e.WaitStatus(o.ID, "ALLOCATED"); len(o.Lines) != 3 || o.Lines[0].SKU != "KIMCHI-XL" || o.Lines[0].BatchRef != "b-1" {
		t.Errorf("lines %+v, want KIMCHI-XL allocated from b-1", o.Lines)
	}
	var b struct{ Allocated int }
	e.JSON("GET", "/v1/batches/b-1", "", http.StatusOK, &b)
	if b.Allocated != 3 {
		t.Errorf("b-1 allocated %d, want the 3 of KIMCHI-XL", b.Allocated)
	}
	// The item's own code, while a mapping to it exists, comes back as
	// itself.
	var plain testenv.Order
	e.JSON("POST", "/v1/orders", lines(line("KIMCHI-500G", 1)), http.StatusCreated, &plain)
	if plain = e.WaitStatus(plain.ID, "ALLOCATED"); len(plain.Lines) != 1 || plain.Lines[0].BatchRef != "b-1" {
		t.Errorf("plain KIMCHI-500G order lines %+v, want it allocated from b-1", plain.Lines)
	}
	for _, c := range []struct{ body, field, mention string }{
		{lines(line("KIMCHI-500G", 1), line("KIMCHI-OLD", 1)), "lines[1].sku", "unknown SKU KIMCHI-OLD: it maps to SCM item KIMCHI-1990, which the SCM does not know"},
		{lines(line("KIMCHI-500G", 1), line("KIMCHI-XL", 1)), "lines[1].sku", "KIMCHI-XL is the same item as lines[0] (KIMCHI-500G)"},
	} {
		code, body := e.Do("POST", "/v1/orders", c.body, map[string]string{"Content-Type": "application/json"})
		if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), c.field) || !strings.Contains(string(body), c.mention) {
			t.Errorf("%s: %d %s, want 422 naming %s", c.mention, code, body, c.field)
		}
	}
}

// TestOrderingWithoutItsSCMIs503: an ordering process whose --scm-url does
// not answer refuses orders with 503 and Retry-After (the client may try
// again), saying why, and keeps nothing.
func TestOrderingWithoutItsSCMIs503(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t, func(c *system.Config) {
		c.Services, c.SCMURL = []string{"ordering"}, "http://127.0.0.1:1"
	})
	req, _ := http.NewRequest("POST", e.Base+"/v1/orders", strings.NewReader(testenv.OrderBody("c-1", "KIMCHI-500G", 1)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		Status int
		Detail string
	}
	_ = json.NewDecoder(resp.Body).Decode(&p)
	if resp.StatusCode != http.StatusServiceUnavailable || p.Status != 503 || !strings.Contains(p.Detail, "SCM catalog cannot be reached") ||
		resp.Header.Get("Retry-After") == "" {
		t.Errorf("%d %+v Retry-After %q, want a 503 problem naming the SCM catalog, with Retry-After", resp.StatusCode, p, resp.Header.Get("Retry-After"))
	}
	if n := e.Count("ordering_orders"); n != 0 {
		t.Errorf("%d orders kept, want none", n)
	}
}

// TestARetryIsAnsweredWhileTheSCMIsAway: a retry of an order already
// taken (same Idempotency-Key and body) gets its first answer even when
// the SKUs cannot be checked now.
func TestARetryIsAnsweredWhileTheSCMIsAway(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	headers := map[string]string{"Content-Type": "application/json", "Idempotency-Key": "retry-1"}
	body := testenv.OrderBody("c-1", "KIMCHI-500G", 1)
	a := testenv.Start(t, testenv.WithDataDir(dir))
	a.AddBatch("b-1", "KIMCHI-500G", 5)
	code, first := a.Do("POST", "/v1/orders", body, headers)
	if code != http.StatusCreated {
		t.Fatalf("first: %d %s", code, first)
	}
	a.Stop()
	b := testenv.Start(t, testenv.WithDataDir(dir), func(c *system.Config) {
		c.Services, c.SCMURL = []string{"ordering"}, "http://127.0.0.1:1"
	})
	if code, again := b.Do("POST", "/v1/orders", body, headers); code != http.StatusCreated || string(again) != string(first) {
		t.Errorf("retry with the SCM away: %d %s, want the first 201 %s", code, again, first)
	}
	if code, _ := b.Do("POST", "/v1/orders", testenv.OrderBody("c-1", "KIMCHI-500G", 2), headers); code != http.StatusUnprocessableEntity {
		t.Errorf("the key with another body: %d, want 422", code)
	}
}

// TestOrderingTellsAWrongSCMURLFromAnUnknownSKU: a --scm-url that reaches
// a banchan process but not the scm's paths (here with /v1 on the end)
// gets 404s for every SKU. Those are not "unknown SKU": the order is a 503
// naming the URL, not a 422 that blames the client's SKU.
func TestOrderingTellsAWrongSCMURLFromAnUnknownSKU(t *testing.T) {
	t.Parallel()
	scm := testenv.Start(t)
	scm.AddBatch("b-1", "KIMCHI-500G", 5)
	headers := map[string]string{"Content-Type": "application/json"}
	wrong := testenv.Start(t, func(c *system.Config) {
		c.Services, c.SCMURL = []string{"ordering"}, scm.Base+"/v1"
	})
	code, body := wrong.Do("POST", "/v1/orders", testenv.OrderBody("c-1", "KIMCHI-500G", 1), headers)
	if code != http.StatusServiceUnavailable {
		t.Errorf("with --scm-url %s/v1: %d %s, want 503", scm.Base, code, body)
	}
	// Reported on /readyz, not required: reads are still served.
	var ready struct {
		Ready  bool
		Checks map[string]string
	}
	if code, body := wrong.Do("GET", "/readyz", "", nil); code != http.StatusOK || json.Unmarshal(body, &ready) != nil ||
		!strings.HasPrefix(ready.Checks["scm"], "degraded: ") || !strings.Contains(ready.Checks["scm"], "--scm-url") {
		t.Errorf("/readyz with a wrong --scm-url: %d %s, want 200 with checks.scm degraded naming --scm-url", code, body)
	}
	right := testenv.Start(t, func(c *system.Config) {
		c.Services, c.SCMURL = []string{"ordering"}, scm.Base
	})
	if code, body := right.Do("GET", "/readyz", "", nil); code != http.StatusOK || !strings.Contains(string(body), `"scm":"ok"`) {
		t.Errorf("/readyz with the scm's URL: %d %s, want checks.scm ok", code, body)
	}
	sales := testenv.Start(t, func(c *system.Config) { c.Services = []string{"sales"} })
	if code, body := sales.Do("GET", "/readyz", "", nil); code != http.StatusOK || strings.Contains(string(body), `"scm"`) {
		t.Errorf("/readyz of a process without --scm-url: %d %s, want no scm check", code, body)
	}
	if code, body := right.Do("POST", "/v1/orders", testenv.OrderBody("c-1", "NO-SUCH-SKU", 1), headers); code != http.StatusUnprocessableEntity ||
		!strings.Contains(string(body), "unknown SKU") {
		t.Errorf("an unknown SKU: %d %s, want 422", code, body)
	}
	if code, body := right.Do("POST", "/v1/orders", testenv.OrderBody("c-1", "KIMCHI-500G", 1), headers); code != http.StatusCreated {
		t.Errorf("a known SKU: %d %s, want 201", code, body)
	}
}
