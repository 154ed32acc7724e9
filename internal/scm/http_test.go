package scm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestBadRequestsAreProblems: bad input is a 4xx problem and changes
// nothing; unknown ids are 404.
func TestBadRequestsAreProblems(t *testing.T) {
	h := newHarness(t, Options{})
	cases := []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/v1/kitchen/tasks?status=NOPE", "", 422},
		{"GET", "/v1/kitchen/tasks/nope", "", 404},
		{"POST", "/v1/kitchen/tasks/nope/start", "", 404},
		{"POST", "/v1/kitchen/tasks/nope/done", "", 404},
		{"POST", "/v1/kitchen/tasks/nope/done", `{}`, 404},
		{"POST", "/v1/kitchen/tasks/nope/done", `{"cook":true}`, 400},
		{"POST", "/v1/warehouse/shipments/nope/pack", `{"x":1}`, 400},
		{"POST", "/v1/deliveries/nope/deliver", `{"x":1}`, 400},
		{"PUT", "/v1/kitchen/items/KIMCHI-500G", `{}`, 422},
		{"PUT", "/v1/kitchen/items/KIMCHI-500G", `{"cook":"yes"}`, 422},
		{"PUT", "/v1/kitchen/items/KIMCHI-500G", `{"cook":true,"oven":1}`, 400},
		{"PUT", "/v1/kitchen/items/bad%20code", `{"cook":true}`, 422},
		{"POST", "/v1/warehouse/receipts", `{"ref":"","sku":"KIMCHI-500G","qty":0}`, 422},
		{"POST", "/v1/warehouse/receipts", `{"ref":"r-1"`, 400},
		{"POST", "/v1/warehouse/receipts", `{"ref":"r-1","sku":"KIMCHI-500G"}`, 422},
		{"GET", "/v1/warehouse/shipments?status=LOST", "", 422},
		{"GET", "/v1/warehouse/shipments/nope", "", 404},
		{"POST", "/v1/warehouse/shipments/nope/pick", "", 404},
		{"POST", "/v1/warehouse/shipments/nope/pack", "", 404},
		{"GET", "/v1/deliveries?status=LOST", "", 422},
		{"GET", "/v1/deliveries/nope", "", 404},
		{"POST", "/v1/deliveries/nope/ship", `{"carrier":"CJ","trackingNumber":"1"}`, 404},
		{"POST", "/v1/deliveries/nope/ship", `{"carrier":"","trackingNumber":"1"}`, 422},
		{"POST", "/v1/deliveries/nope/ship", `{"carrier":"CJ"}`, 422},
		{"POST", "/v1/deliveries/nope/deliver", "", 404},
		{"GET", "/v1/purchasing/orders?status=LOST", "", 422},
		{"GET", "/v1/purchasing/orders/nope", "", 404},
		{"POST", "/v1/purchasing/orders/nope/receive", "", 404},
		{"POST", "/v1/purchasing/orders/nope/receive", `{"qty":0}`, 422},
		{"PUT", "/v1/purchasing/reorder-points/KIMCHI-500G", `{"reorderPoint":-1,"reorderQty":1}`, 422},
		{"PUT", "/v1/purchasing/reorder-points/KIMCHI-500G", `{"reorderPoint":5}`, 422},
		{"PUT", "/v1/purchasing/reorder-points/KIMCHI-500G", `{"reorderPoint":5,"reorderQty":0}`, 422},
		{"GET", "/v1/fulfilments/nope", "", 404},
	}
	for _, c := range cases {
		code, body := h.do(c.method, c.path, c.body)
		var p struct{ Status int }
		if code != c.want || json.Unmarshal([]byte(body), &p) != nil || p.Status != c.want {
			t.Errorf("%s %s %s: %d %s, want a %d problem", c.method, c.path, c.body, code, body, c.want)
		}
	}
	r := httptest.NewRequest("PUT", "/v1/kitchen/items/KIMCHI-500G", strings.NewReader(`{"cook":false}`))
	w := httptest.NewRecorder()
	h.mux.ServeHTTP(w, r)
	if w.Code != http.StatusUnsupportedMediaType || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("no content type: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	var it struct{ Cook bool }
	if h.call("GET", "/v1/kitchen/items/KIMCHI-500G", "", 200, &it); !it.Cook {
		t.Error("a refused request changed the item setting")
	}
}

// TestReceiptsAddOrGrowBatches: a receipt adds a batch or grows one of
// the same SKU (allocating what waits for it); one into a batch of another
// SKU is a 409 and changes nothing.
func TestReceiptsAddOrGrowBatches(t *testing.T) {
	h := newHarness(t, Options{})
	h.allocate("o-1", item("KIMCHI-500G", 7))
	var got struct {
		Receipt struct{ ID, Ref string }
		Batch   struct {
			Ref, SKU                  string
			Qty, Allocated, Available int
		}
	}
	h.call("POST", "/v1/warehouse/receipts", `{"ref":"dock-1","sku":"KIMCHI-500G","qty":5}`, 201, &got)
	if got.Receipt.ID == "" || got.Batch.Qty != 5 || got.Batch.Available != 5 || h.stage("o-1") != "BACKORDERED" {
		t.Fatalf("first receipt %+v, o-1 %s", got, h.stage("o-1"))
	}
	h.call("POST", "/v1/warehouse/receipts", `{"ref":"dock-1","sku":"KIMCHI-500G","qty":5}`, 201, &got)
	if got.Batch.Qty != 10 || got.Batch.Allocated != 7 || got.Batch.Available != 3 || h.stage("o-1") != "ALLOCATED" {
		t.Fatalf("second receipt %+v, o-1 %s; want the batch grown to 10 and o-1 allocated", got.Batch, h.stage("o-1"))
	}
	code, body := h.do("POST", "/v1/warehouse/receipts", `{"ref":"dock-1","sku":"MANDU-1KG","qty":5}`)
	if code != 409 || !strings.Contains(body, "batch dock-1 holds KIMCHI-500G, not MANDU-1KG") {
		t.Errorf("receipt of another SKU: %d %s", code, body)
	}
	var b struct{ Qty int }
	if h.call("GET", "/v1/batches/dock-1", "", 200, &b); b.Qty != 10 {
		t.Errorf("batch qty %d after a refused receipt, want 10", b.Qty)
	}
}

// TestInventoryErrorsNameTheProblem: each refused inventory request says
// which field or value is wrong (the book's paths in "message" as well),
// and changes nothing.
func TestInventoryErrorsNameTheProblem(t *testing.T) {
	h := newHarness(t, Options{})
	h.call("POST", "/v1/batches", `{"ref":"b-1","sku":"TOFU","qty":5,"eta":null}`, 201, nil)
	var before struct{ Version int64 }
	h.call("GET", "/v1/products/TOFU", "", 200, &before)
	long := strings.Repeat("o", 129)
	cases := []struct {
		method, path, body string
		want               int
		detail             string
	}{
		{"POST", "/add_batch", `{"ref":"b-1","sku":"TOFU","qty":5,"eta":null}`, 400, "batch b-1: batch already exists"},
		{"POST", "/add_batch", `{"ref":"b-2","sku":"TOFU","eta":null}`, 400, "qty: required"},
		{"POST", "/add_batch", `{"sku":"TOFU","qty":1}`, 400, "ref: required"},
		{"POST", "/add_batch", `{"ref":"b-2","sku":"TOFU","qty":1,"eta":"soon"}`, 400, `eta "soon"`},
		{"POST", "/allocate", `{"orderid":"  ","sku":"TOFU","qty":1}`, 400, "order id: required"},
		{"POST", "/allocate", `{"orderid":"` + long + `","sku":"TOFU","qty":1}`, 400, "order id: 129 characters, at most 128"},
		{"POST", "/allocate", `{"orderid":"cart:k-1","sku":"TOFU","qty":1}`, 400, `order id "cart:k-1": may not start with "cart:"`},
		{"POST", "/allocate", `{"orderid":"o\u00001","sku":"TOFU","qty":1}`, 400, "order id: control characters"},
		{"POST", "/allocate", `{"orderid":"o-1\u200b","sku":"TOFU","qty":1}`, 400, "order id: invisible character U+200B"},
		{"POST", "/v1/allocations", `{"orderId":"\u202eo-1","sku":"TOFU","qty":1}`, 422, "order id: invisible character U+202E"},
		{"POST", "/allocate", `{"orderid":"주문\u31641","sku":"TOFU","qty":1}`, 400, "order id: invisible character U+3164"},
		{"POST", "/allocate", `{"orderid":"o-1\u00a0","sku":"TOFU","qty":1}`, 400, "order id: invisible character U+00A0"},
		{"POST", "/allocate", `{"orderid":"o-1\ufe0f","sku":"TOFU","qty":1}`, 400, "order id: invisible character U+FE0F"},
		{"POST", "/allocate", `{"orderid":"` + strings.Repeat("주", 129) + `","sku":"TOFU","qty":1}`, 400, "order id: 129 characters, at most 128"},
		{"POST", "/allocate", "{\"orderid\":\"o-\xff\",\"sku\":\"TOFU\",\"qty\":1}", 400, "orderid: not valid Unicode text"},
		{"POST", "/allocate", `{"orderid":"o-\ud800","sku":"TOFU","qty":1}`, 400, "orderid: not valid Unicode text"},
		{"POST", "/add_batch", `{"ref":"b-2","sku":"TOFU","qty":1,"eta":"0000-01-01"}`, 400, "year 0 out of range"},
		{"POST", "/v1/allocations", `{"orderId":"cart:k-1","sku":"TOFU","qty":1}`, 422, `may not start with "cart:"`},
		{"POST", "/allocate", `{"orderid":"o-1","qty":1}`, 400, "sku: required"},
		{"POST", "/allocate", `{"orderid":"o-1","sku":"NOPE","qty":1}`, 400, "Invalid sku NOPE"},
		{"GET", "/allocate", "", 405, "method GET not allowed on /allocate; allowed: POST"},
		{"PUT", "/add_batch", `{}`, 405, "method PUT not allowed on /add_batch"},
		{"POST", "/allocations/o-1", `{}`, 405, "allowed: GET, HEAD"},
		{"POST", "/allocate", `{"orderid":"o-1","sku":"TOFU"}`, 400, "qty: required"},
		{"POST", "/allocate", `{"orderid":"o-1","sku":"TOFU","qty":0}`, 400, "qty 0: must be between 1 and"},
		{"POST", "/allocate", `{"orderId":"o-1","sku":"TOFU","qty":1}`, 400, `did you mean "orderid"?`},
		{"POST", "/v1/batches", `{"ref":"b-1","sku":"TOFU","qty":5,"eta":null}`, 409, "batch b-1: batch already exists"},
		{"POST", "/v1/allocations", `{"orderId":"o-1","sku":"NOPE","qty":1}`, 422, "unknown SKU NOPE"},
		{"POST", "/v1/allocations", `{"orderId":"o-1","qty":1}`, 422, "sku: required"},
		{"POST", "/v1/allocations", `{"orderid":"o-1","sku":"TOFU","qty":1}`, 400, `did you mean "orderId"?`},
		{"POST", "/v1/carts/k-1/items", `{"sku":"TOFU","qty":0}`, 422, "qty 0: must be between 1 and"},
		{"POST", "/v1/carts/k-1/items", `{"sku":"TOFU"}`, 422, "qty: required"},
		{"POST", "/v1/carts/k-1/items", `{"qty":1}`, 422, "sku: required"},
		{"POST", "/v1/carts/k-1/items", `{"sku":"NOPE","qty":1}`, 422, "unknown SKU NOPE"},
		{"POST", "/v1/carts/k-1/items", `{"sku":"TOFU","qty":6}`, 409, "out of stock: 6 of TOFU wanted, 5 available"},
		{"GET", "/v1/products/TOFU?limit=0", "", 422, "limit: want a number from 1 to 1000"},
		{"GET", "/v1/products/TOFU?limit=1001", "", 422, "limit: want a number from 1 to 1000"},
		{"GET", "/v1/products/TOFU?limit=ten", "", 422, "limit: want a number from 1 to 1000"},
		{"GET", "/v1/products/TOFU?after=-1", "", 422, "after: want a waiting line's seq"},
		{"GET", "/v1/products/TOFU?after=x&limit=5", "", 422, "after: want a waiting line's seq"},
		{"GET", "/v1/products/NOPE", "", 404, "unknown SKU NOPE"},
		{"POST", "/v1/warehouse/receipts", `{"ref":"r-1","sku":"TOFU"}`, 422, "qty: required"},
		{"POST", "/v1/warehouse/receipts", `{"ref":"","sku":"TOFU"}`, 422, "qty: required"},
	}
	for _, c := range cases {
		code, body := h.do(c.method, c.path, c.body)
		if !strings.HasPrefix(c.path, "/v1/") {
			// The book's body: exactly {"message": ...}.
			var m map[string]string
			if err := json.Unmarshal([]byte(body), &m); code != c.want || err != nil || len(m) != 1 || !strings.Contains(m["message"], c.detail) {
				t.Errorf("%s %s %s: %d %s, want %d and only a message naming %q", c.method, c.path, c.body, code, body, c.want, c.detail)
			}
			continue
		}
		var p struct {
			Status int
			Detail string
		}
		_ = json.Unmarshal([]byte(body), &p)
		if code != c.want || p.Status != c.want || !strings.Contains(p.Detail, c.detail) {
			t.Errorf("%s %s %s: %d %s, want %d naming %q", c.method, c.path, c.body, code, body, c.want, c.detail)
		}
	}
	// The native API's refused values are validation problems naming the
	// field, as the decoder's are.
	for _, c := range []struct{ method, path, body, field string }{
		{"POST", "/v1/allocations", `{"orderId":"o-1","sku":"TOFU","qty":0}`, "qty"},
		{"POST", "/v1/allocations", `{"orderId":"  ","sku":"TOFU","qty":1}`, "orderId"},
		{"POST", "/v1/carts/k-1/items", `{"sku":"TOFU","qty":0}`, "qty"},
		{"POST", "/v1/batches", `{"ref":"b-2","sku":"TOFU","qty":1,"eta":"soon"}`, "eta"},
		{"PATCH", "/v1/batches/b-1", `{"qty":-1}`, "qty"},
	} {
		code, body := h.do(c.method, c.path, c.body)
		var p struct {
			Type, Detail string
			Errors       []struct{ Field, Reason string }
		}
		_ = json.Unmarshal([]byte(body), &p)
		if want := http.StatusUnprocessableEntity; code != want || p.Type != "/problems/validation" || len(p.Errors) != 1 || p.Errors[0].Field != c.field ||
			strings.HasPrefix(p.Detail, "invalid") {
			t.Errorf("%s %s %s: %d %s, want a validation problem naming %s", c.method, c.path, c.body, code, body, c.field)
		}
	}
	var after struct{ Version int64 }
	h.call("GET", "/v1/products/TOFU", "", 200, &after)
	if after.Version != before.Version {
		t.Errorf("refused requests moved the product from version %d to %d", before.Version, after.Version)
	}
	// The bound is in characters, not bytes: 128 Hangul syllables are 384.
	h.call("POST", "/allocate", `{"orderid":"`+strings.Repeat("주", 128)+`","sku":"TOFU","qty":1}`, 202, nil)
}

// TestProductViewPagesItsWaitingLines: the product view shows its waiting
// lines a page at a time, oldest first, following next until it is null;
// the totals are those of the whole product.
func TestProductViewPagesItsWaitingLines(t *testing.T) {
	h := newHarness(t, Options{})
	h.call("POST", "/v1/batches", `{"ref":"b-1","sku":"TOFU","qty":2,"eta":null}`, 201, nil)
	h.call("POST", "/v1/allocations", `{"orderId":"o-0","sku":"TOFU","qty":2}`, 201, nil)
	const n = 7
	for i := 1; i <= n; i++ {
		h.call("POST", "/v1/allocations", fmt.Sprintf(`{"orderId":"o-%d","sku":"TOFU","qty":%d}`, i, i), 201, nil)
	}
	type view struct {
		Version    int64
		Available  int
		Waiting    int
		Batches    []struct{ Ref string }
		Backorders []struct {
			OrderID string `json:"orderid"`
			Qty     int
			Seq     int64
		}
		Next *int64
	}
	var got []string
	path, pages := "/v1/products/TOFU?limit=3", 0
	for {
		var v view
		h.call("GET", path, "", 200, &v)
		pages++
		if v.Waiting != n*(n+1)/2 || v.Available != 0 || len(v.Batches) != 1 {
			t.Fatalf("page %d: waiting %d, available %d, %d batches; want the whole product's %d, 0, 1",
				pages, v.Waiting, v.Available, len(v.Batches), n*(n+1)/2)
		}
		for _, b := range v.Backorders {
			got = append(got, fmt.Sprintf("%s:%d", b.OrderID, b.Qty))
		}
		if v.Next == nil {
			break
		}
		if last := v.Backorders[len(v.Backorders)-1].Seq; *v.Next != last || len(v.Backorders) != 3 {
			t.Fatalf("page %d: next %d with %d lines (last seq %d), want the last seq of a full page", pages, *v.Next, len(v.Backorders), last)
		}
		path = fmt.Sprintf("/v1/products/TOFU?limit=3&after=%d", *v.Next)
	}
	want := []string{"o-1:1", "o-2:2", "o-3:3", "o-4:4", "o-5:5", "o-6:6", "o-7:7"}
	if pages != 3 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%d pages of %v, want 3 pages of %v, oldest first", pages, got, want)
	}
	var all view
	h.call("GET", "/v1/products/TOFU", "", 200, &all)
	if len(all.Backorders) != n || all.Next != nil {
		t.Errorf("default page: %d lines, next %v; want all %d and no next", len(all.Backorders), all.Next, n)
	}
	var sku struct{ Available, Batches int }
	h.call("GET", "/v1/skus/TOFU", "", 200, &sku)
	if sku.Available != 0 || sku.Batches != 1 {
		t.Errorf("catalog view %+v, want 0 available in 1 batch", sku)
	}
}

// TestBatchListPagesInPreference: a SKU's batches page in allocation
// preference (warehouse first, then the earliest ETA) following next
// until it is null; the product view shows the first page with the
// totals of all; a cursor or limit that is wrong is refused, named.
func TestBatchListPagesInPreference(t *testing.T) {
	h := newHarness(t, Options{})
	for _, b := range []string{
		`{"ref":"late","sku":"TOFU","qty":1,"eta":"2027-01-10"}`,
		`{"ref":"w-1","sku":"TOFU","qty":2,"eta":null}`,
		`{"ref":"soon","sku":"TOFU","qty":3,"eta":"2027-01-02"}`,
		`{"ref":"w-2","sku":"TOFU","qty":4,"eta":null}`,
		`{"ref":"other","sku":"MANDU","qty":5,"eta":null}`,
	} {
		h.call("POST", "/v1/batches", b, 201, nil)
	}
	type page struct {
		Batches []struct{ Ref string }
		Next    *string
	}
	var got []string
	for path, pages := "/v1/batches?sku=TOFU&limit=3", 1; ; pages++ {
		var p page
		h.call("GET", path, "", 200, &p)
		for _, b := range p.Batches {
			got = append(got, b.Ref)
		}
		if p.Next == nil || pages > 4 {
			break
		}
		path = "/v1/batches?sku=TOFU&limit=3&after=" + url.QueryEscape(*p.Next)
	}
	if want := "w-1 w-2 soon late"; strings.Join(got, " ") != want {
		t.Errorf("batches %v, want %s", got, want)
	}
	var v struct {
		Available   int
		BatchCount  int
		Batches     []struct{ Ref string }
		BatchesNext *string
	}
	h.call("GET", "/v1/products/TOFU", "", 200, &v)
	if v.Available != 10 || v.BatchCount != 4 || len(v.Batches) != 4 || v.BatchesNext != nil {
		t.Errorf("product view %+v, want 10 available in 4 batches, all on the first page", v)
	}
	var none page
	h.call("GET", "/v1/batches?sku=NOTHING", "", 200, &none)
	if none.Batches == nil || len(none.Batches) != 0 || none.Next != nil {
		t.Errorf("a SKU without batches: %+v, want [] and no next", none)
	}
	for _, c := range []struct {
		path  string
		code  int
		field string
	}{
		{"/v1/batches?sku=TOFU&after=other", 422, "after"}, // a batch of another SKU
		{"/v1/batches?sku=TOFU&after=nope", 422, "after"},
		{"/v1/batches?sku=TOFU&limit=0", 422, "limit"},
		{"/v1/batches?sku=TOFU&limit=1001", 422, "limit"},
		{"/v1/batches?sku=TOFU&limit=x", 422, "limit"},
		{"/v1/batches?limit=2", 422, "sku"},
		{"/v1/batches?sku=TOFU&page=2", 400, "page"},
	} {
		code, body := h.do("GET", c.path, "")
		if code != c.code || !strings.Contains(string(body), `"`+c.field+`"`) {
			t.Errorf("GET %s: %d %s, want %d naming %s", c.path, code, body, c.code, c.field)
		}
	}
}

// TestShrinkingABatchServesTheOldestFirst: what a shrinking batch takes
// out goes back oldest first, a cart hold moves to a batch with room, and
// each order's allocations view says where its line is or that it waits.
func TestShrinkingABatchServesTheOldestFirst(t *testing.T) {
	h := newHarness(t, Options{})
	h.call("POST", "/v1/batches", `{"ref":"bed-1","sku":"BED","qty":12,"eta":null}`, 201, nil)
	for _, o := range []string{"b-1", "b-2", "b-3", "b-4"} {
		h.call("POST", "/v1/allocations", `{"orderId":"`+o+`","sku":"BED","qty":2}`, 201, nil)
	}
	h.call("POST", "/v1/carts/k-1/items", `{"sku":"BED","qty":2}`, 201, nil) // the youngest
	h.call("POST", "/v1/batches", `{"ref":"bed-2","sku":"BED","qty":3,"eta":"2030-01-01"}`, 201, nil)
	h.call("PATCH", "/v1/batches/bed-1", `{"qty":3}`, 200, nil)
	// Out: the hold, b-4, b-3, b-2. Back, oldest first: b-2 to bed-2; b-3,
	// b-4 wait; the hold finds 1 unit in bed-1 and 1 in bed-2: released.
	where := func(order string) string {
		var v struct {
			Lines       []struct{ BatchRef string }
			Backordered bool
		}
		h.call("GET", "/v1/allocations/"+order, "", 200, &v)
		switch {
		case v.Backordered:
			return "waiting"
		case len(v.Lines) == 1:
			return v.Lines[0].BatchRef
		}
		return fmt.Sprintf("%+v", v)
	}
	got := strings.Join([]string{where("b-1"), where("b-2"), where("b-3"), where("b-4")}, " ")
	if got != "bed-1 bed-2 waiting waiting" {
		t.Errorf("b-1..b-4: %s, want bed-1 bed-2 waiting waiting", got)
	}
	var cart struct{ Items []struct{ BatchRef string } }
	h.call("GET", "/v1/carts/k-1", "", 200, &cart)
	if len(cart.Items) != 0 {
		t.Errorf("cart %+v, want the hold released (no batch has 2 free)", cart)
	}
	h.call("PATCH", "/v1/batches/bed-1", `{"qty":5}`, 200, nil)
	if got := where("b-3") + " " + where("b-4"); got != "bed-1 waiting" {
		t.Errorf("after bed-1 grew: b-3 b-4 %s, want bed-1 waiting", got)
	}
}

// TestRepeatingALineLeavesItAsItWas: the same order line posted again
// answers 200 with the line as it stands (its stored qty and batch, or
// still waiting), where the first post answered 201.
func TestRepeatingALineLeavesItAsItWas(t *testing.T) {
	h := newHarness(t, Options{})
	h.call("POST", "/v1/batches", `{"ref":"b-1","sku":"TOFU","qty":2,"eta":null}`, 201, nil)
	type line struct {
		Qty         int
		BatchRef    string
		Backordered bool
	}
	var got line
	h.call("POST", "/v1/allocations", `{"orderId":"o-1","sku":"TOFU","qty":1}`, 201, &got)
	if got != (line{1, "b-1", false}) {
		t.Errorf("first post: %+v", got)
	}
	h.call("POST", "/v1/allocations", `{"orderId":"o-1","sku":"TOFU","qty":3}`, 200, &got)
	if got != (line{1, "b-1", false}) {
		t.Errorf("repeat with another qty: %+v, want the stored line (qty 1 on b-1)", got)
	}
	var raw map[string]any
	h.call("POST", "/v1/allocations", `{"orderId":"o-2","sku":"TOFU","qty":5}`, 201, &raw)
	if _, has := raw["batchRef"]; has || raw["backordered"] != true || raw["qty"] != 5.0 {
		t.Errorf("first post of a line that waits: %v, want backordered, qty 5 and no batchRef", raw)
	}
	got = line{}
	h.call("POST", "/v1/allocations", `{"orderId":"o-2","sku":"TOFU","qty":4}`, 200, &got)
	if got != (line{5, "", true}) {
		t.Errorf("repeat of a waiting line: %+v, want qty 5, still waiting", got)
	}
	var p struct{ Available, Waiting int }
	h.call("GET", "/v1/skus/TOFU", "", 200, &p)
	if p.Available != 1 {
		t.Errorf("available %d, want 1: a repeat took stock", p.Available)
	}
}

// TestAnOrderPlacedThroughOrderingTakesNoLinesFromTheAllocationAPI: the
// book's /allocate and /v1/allocations refuse the id of a fulfilment
// order, whose lines came with it, rather than attach a line that its
// fulfilment and cancellation would never know of.
func TestAnOrderPlacedThroughOrderingTakesNoLinesFromTheAllocationAPI(t *testing.T) {
	h := newHarness(t, Options{})
	h.call("POST", "/v1/batches", `{"ref":"b-1","sku":"TOFU","qty":5,"eta":null}`, 201, nil)
	h.call("POST", "/v1/batches", `{"ref":"b-2","sku":"MANDU","qty":5,"eta":null}`, 201, nil)
	h.allocate("fo-1", item("TOFU", 1))
	for _, c := range []struct {
		path, body string
		code       int
	}{
		{"/allocate", `{"orderid":"fo-1","sku":"MANDU","qty":2}`, 400},
		{"/v1/allocations", `{"orderId":"fo-1","sku":"MANDU","qty":2}`, 422},
	} {
		if code, body := h.do("POST", c.path, c.body); code != c.code || !strings.Contains(body, "placed through ordering") {
			t.Errorf("POST %s with a fulfilment order's id: %d %s, want %d saying so", c.path, code, body, c.code)
		}
	}
	var b struct{ Available int }
	if h.call("GET", "/v1/batches/b-2", "", 200, &b); b.Available != 5 {
		t.Errorf("MANDU available %d after the refusals, want 5", b.Available)
	}
	h.call("POST", "/allocate", `{"orderid":"book-1","sku":"MANDU","qty":2}`, 202, nil)

	// Lines taken under the id before the order came in give way to it.
	h.call("POST", "/v1/allocations", `{"orderId":"fo-2","sku":"TOFU","qty":1}`, 201, nil)
	h.call("POST", "/v1/allocations", `{"orderId":"fo-2","sku":"MANDU","qty":3}`, 201, nil)
	h.allocate("fo-2", item("TOFU", 3))
	var lines struct {
		Lines []struct {
			SKU string
			Qty int
		}
	}
	h.call("GET", "/v1/allocations/fo-2", "", 200, &lines)
	if len(lines.Lines) != 1 || lines.Lines[0].SKU != "TOFU" || lines.Lines[0].Qty != 3 {
		t.Errorf("order fo-2's lines %+v, want its own 3 TOFU only", lines.Lines)
	}
	if h.call("GET", "/v1/batches/b-2", "", 200, &b); b.Available != 3 {
		t.Errorf("MANDU available %d after fo-2 came in, want 3 (book-1 holds 2)", b.Available)
	}
}
