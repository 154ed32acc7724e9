package system_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/banchan/banchan/internal/testenv"
)

func TestOrderIsAllocatedAcrossServices(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 3)
	e.AddBatch("b-later", "KIMCHI-500G", 10) // same ETA class, added later: second choice

	first := e.WaitStatus(e.PlaceOrder("c-1", "KIMCHI-500G", 2), "ALLOCATED")
	if first.Lines[0].BatchRef != "b-1" {
		t.Errorf("first order on batch %q, want b-1 (oldest warehouse batch)", first.Lines[0].BatchRef)
	}
	second := e.WaitStatus(e.PlaceOrder("c-2", "KIMCHI-500G", 2), "ALLOCATED")
	if second.Lines[0].BatchRef != "b-later" {
		t.Errorf("second order on batch %q, want b-later (b-1 has 1 left)", second.Lines[0].BatchRef)
	}
	back := e.WaitStatus(e.PlaceOrder("c-3", "KIMCHI-500G", 50), "BACKORDERED")
	var got []string
	for _, h := range back.History {
		got = append(got, h.Status)
	}
	if strings.Join(got, ",") != "PLACED,BACKORDERED" {
		t.Errorf("history %v, want PLACED,BACKORDERED", got)
	}
	code, metrics := e.Do("GET", "/metrics", "", nil)
	for _, want := range []string{`banchan_consumer_handled_total{subscription="ordering"}`, "banchan_outbox_lag ", "banchan_dead_letters 0",
		"banchan_store_commits_total ", `banchan_store_sync_seconds_bucket{le="+Inf"} `, "banchan_store_update_seconds_count "} {
		if code != 200 || !strings.Contains(string(metrics), want) {
			t.Errorf("metrics (%d) lack %q:\n%s", code, want, metrics)
		}
	}
	var batch struct{ Allocated, Available int }
	e.JSON("GET", "/v1/batches/b-1", "", http.StatusOK, &batch)
	if batch.Allocated != 2 || batch.Available != 1 {
		t.Errorf("b-1 allocated %d available %d, want 2 and 1", batch.Allocated, batch.Available)
	}
}

func TestPlaceOrderBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 10)
	valid := testenv.OrderBody("c-1", "KIMCHI-500G", 1)
	cases := []struct {
		name, body, contentType string
		want                    int
		mention                 string
	}{
		{"malformed JSON", `{"customerId":`, "application/json", 400, "malformed JSON"},
		{"not an object", `[1,2]`, "application/json", 422, "want"},
		{"empty body", ``, "application/json", 400, "empty"},
		{"trailing data", valid + `{}`, "application/json", 400, "after the JSON"},
		{"unknown field", strings.Replace(valid, `"customerId"`, `"bogus":1,"customerId"`, 1), "application/json", 400, "bogus"},
		{"wrong type", strings.Replace(valid, `"qty":1`, `"qty":"one"`, 1), "application/json", 422, "lines[0].qty: want a whole number, got JSON string"},
		{"missing customer", strings.Replace(valid, `"customerId":"c-1",`, ``, 1), "application/json", 422, "customerId"},
		{"missing lines", `{"customerId":"c-1","deliveryAddress":{"name":"K","line1":"1","postcode":"1"}}`, "application/json", 422, "lines"},
		{"missing address", `{"customerId":"c-1","lines":[{"sku":"KIMCHI-500G","qty":1,"unitPrice":1}]}`, "application/json", 422, "deliveryAddress.name"},
		{"zero qty", strings.Replace(valid, `"qty":1`, `"qty":0`, 1), "application/json", 422, "lines[0].qty"},
		{"negative qty", strings.Replace(valid, `"qty":1`, `"qty":-3`, 1), "application/json", 422, "lines[0].qty"},
		{"negative price", strings.Replace(valid, `"unitPrice":5900`, `"unitPrice":-1`, 1), "application/json", 422, "unitPrice"},
		{"missing price", strings.Replace(valid, `,"unitPrice":5900`, ``, 1), "application/json", 422, "lines[0].unitPrice: required"},
		{"null price", strings.Replace(valid, `"unitPrice":5900`, `"unitPrice":null`, 1), "application/json", 422, "lines[0].unitPrice: required"},
		{"missing qty", strings.Replace(valid, `"qty":1,`, ``, 1), "application/json", 422, "lines[0].qty: required"},
		{"a Go type not shown", `[1,2]`, "application/json", 422, "body: want an object, got JSON array"},
		{"unknown field in a line", strings.Replace(valid, `"qty":1`, `"qty":1,"colour":"red"`, 1), "application/json", 400, `unknown field "lines[0].colour"`},
		{"unknown SKU", strings.Replace(valid, `KIMCHI-500G`, `NOPE-1`, 1), "application/json", 422, "unknown SKU NOPE-1"},
		{"bad SKU", strings.Replace(valid, `KIMCHI-500G`, `a b`, 1), "application/json", 422, "lines[0].sku"},
		{"text/plain", valid, "text/plain", 415, "Content-Type"},
		{"no content type", valid, "", 415, "Content-Type"},
		{"over 1 MiB", `{"customerId":"` + strings.Repeat("x", 1<<20) + `"}`, "application/json", 413, "bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", e.Base+"/v1/orders", strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			resp, err := e.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p struct {
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
				t.Fatalf("body is not a problem: %v", err)
			}
			if resp.StatusCode != c.want || p.Status != c.want {
				t.Errorf("status %d (body %d), want %d: %s", resp.StatusCode, p.Status, c.want, p.Detail)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q, want application/problem+json", ct)
			}
			if !strings.Contains(p.Detail, c.mention) {
				t.Errorf("detail %q does not mention %q", p.Detail, c.mention)
			}
		})
	}
	if n := e.Count("ordering_orders"); n != 0 {
		t.Errorf("%d orders stored by bad requests", n)
	}
	if n := e.Count("event_log WHERE type = 'OrderPlaced'"); n != 0 {
		t.Errorf("%d OrderPlaced events from bad requests", n)
	}
}

func TestUnknownResourcesAre404Problems(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	for _, path := range []string{"/v1/orders/nope", "/v1/batches/nope", "/v1/skus/nope", "/v1/deadletters/nope", "/v1/nothing"} {
		code, body := e.Do("GET", path, "", nil)
		if code != http.StatusNotFound || !strings.Contains(string(body), `"status":404`) {
			t.Errorf("GET %s: %d %s, want a 404 problem", path, code, body)
		}
	}
	// A known path with another method: 405 naming the methods it takes
	// (the book's paths answer in the book's body: see the scm tests).
	for _, c := range []struct{ method, path, allow string }{
		{"GET", "/v1/allocations", "POST"}, {"PUT", "/v1/orders", "POST"}, {"DELETE", "/healthz", "GET, HEAD"},
	} {
		code, body := e.Do(c.method, c.path, "", nil)
		if code != http.StatusMethodNotAllowed || !strings.Contains(string(body), `"status":405`) ||
			!strings.Contains(string(body), "allowed: "+c.allow) {
			t.Errorf("%s %s: %d %s, want a 405 problem allowing %s", c.method, c.path, code, body, c.allow)
		}
	}
}

// TestListsRefuseUnknownQueryParameters: a misspelt filter is a 400 naming
// it (and the parameters the path takes), not an unfiltered answer.
func TestListsRefuseUnknownQueryParameters(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 1)
	for _, c := range []struct{ path, mention string }{
		{"/v1/events?correlationid=x", `did you mean "correlationId"?`},
		{"/v1/events?type=OrderPlaced&since=3", `"since"`},
		{"/v1/deadletters?sub=x", "takes subscription, limit"},
		{"/v1/sales?day=2026-12-01", `"day"`},
		{"/v1/sales/customers?top=3", `"top"`},
		{"/v1/customers/c-1/orders?page=2", `"page"`},
		{"/v1/batches?SKU=KIMCHI-500G", `did you mean "sku"?`},
		{"/v1/products/KIMCHI-500G?offset=10", `"offset"`},
		{"/v1/kitchen/tasks?order=o-1", `"order"`},
		{"/v1/warehouse/shipments?state=PACKED", `"state"`},
		{"/v1/deliveries?orderid=o-1", `did you mean "orderId"?`},
		{"/v1/purchasing/orders?item=x", `"item"`},
		{"/v1/sku-mappings?cursor=x", `"cursor"`},
		{"/v1/subscriptions?foo=1", "this path takes none"},
		{"/v1/projections?foo=1", "this path takes none"},
		{"/v1/batches?sku=KIMCHI-500G&sku=MANDU-1KG", `query parameter "sku" given 2 times`},
		// Go would drop the pair: as if no sku were given.
		{"/v1/batches?sku=KIMCHI-500G;x=1", `separate parameters with &`},
		{"/v1/events?type=%ZZ", `invalid URL escape`},
	} {
		code, body := e.Do("GET", c.path, "", nil)
		var p struct{ Detail string }
		_ = json.Unmarshal(body, &p)
		if code != http.StatusBadRequest || !strings.Contains(p.Detail, "query") || !strings.Contains(p.Detail, c.mention) {
			t.Errorf("GET %s: %d %s, want 400 naming %s", c.path, code, body, c.mention)
		}
	}
	if code, body := e.Do("GET", "/v1/events?type=BatchAdded&limit=5&after=0", "", nil); code != http.StatusOK {
		t.Errorf("known parameters: %d %s", code, body)
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 10)
	body := testenv.OrderBody("c-1", "KIMCHI-500G", 1)
	key := map[string]string{"Idempotency-Key": "k-1"}
	code1, first := e.Do("POST", "/v1/orders", body, key)
	// The same content formatted differently is the same request.
	code2, again := e.Do("POST", "/v1/orders", " "+body+"\n", key)
	if code1 != 201 || code2 != 201 || string(first) != string(again) {
		t.Fatalf("repeat: %d %s / %d %s, want the first 201 response twice", code1, first, code2, again)
	}
	code3, other := e.Do("POST", "/v1/orders", testenv.OrderBody("c-1", "KIMCHI-500G", 2), key)
	if code3 != http.StatusUnprocessableEntity || !strings.Contains(string(other), "Idempotency-Key") {
		t.Errorf("same key, other body: %d %s, want 422 naming Idempotency-Key", code3, other)
	}
	if n := e.Count("ordering_orders"); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	var o testenv.Order
	_ = json.Unmarshal(first, &o)
	e.WaitStatus(o.ID, "ALLOCATED")
}

func TestBatchBadInput(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 10)
	cases := []struct {
		name, body string
		want       int
	}{
		{"duplicate ref", `{"ref":"b-1","sku":"KIMCHI-500G","qty":1,"eta":null}`, 409},
		{"zero qty", `{"ref":"b-2","sku":"KIMCHI-500G","qty":0,"eta":null}`, 422},
		{"bad eta", `{"ref":"b-2","sku":"KIMCHI-500G","qty":1,"eta":"tomorrow"}`, 422},
		{"bad sku", `{"ref":"b-2","sku":"","qty":1,"eta":null}`, 422},
		{"unknown field", `{"ref":"b-2","sku":"X","qty":1,"eta":null,"x":1}`, 400},
	}
	for _, c := range cases {
		if code, body := e.Do("POST", "/v1/batches", c.body, nil); code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, body, c.want)
		}
	}
	var b struct {
		ETA *string `json:"eta"`
	}
	e.JSON("POST", "/v1/batches", `{"ref":"b-3","sku":"KIMCHI-500G","qty":5,"eta":"2027-01-02"}`, 201, &b)
	if b.ETA == nil || *b.ETA != "2027-01-02" {
		t.Errorf("eta %v, want 2027-01-02", b.ETA)
	}
	if n := e.Count("scm_batches"); n != 2 {
		t.Errorf("%d batches, want 2", n)
	}
}
