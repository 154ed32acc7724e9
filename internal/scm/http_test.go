package scm

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
		{"PUT", "/v1/kitchen/items/KIMCHI-500G", `{}`, 422},
		{"PUT", "/v1/kitchen/items/KIMCHI-500G", `{"cook":"yes"}`, 422},
		{"PUT", "/v1/kitchen/items/KIMCHI-500G", `{"cook":true,"oven":1}`, 400},
		{"PUT", "/v1/kitchen/items/bad%20code", `{"cook":true}`, 422},
		{"POST", "/v1/warehouse/receipts", `{"ref":"","sku":"KIMCHI-500G","qty":0}`, 422},
		{"POST", "/v1/warehouse/receipts", `{"ref":"r-1"`, 400},
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
