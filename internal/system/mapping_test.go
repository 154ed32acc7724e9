package system_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/internal/testenv"
)

// An order the adapter cannot translate (its SKU maps to an item the SCM
// does not know) is a dead letter naming the fix; once an operator fixes
// the mapping, a redrive takes the order through.
func TestUnknownSKUMappingDeadLettersUntilFixed(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-promo", "PROMO-1", 10)
	e.JSON("PUT", "/v1/sku-mappings/PROMO-1", `{"itemCode":"NO-SUCH-ITEM"}`, http.StatusOK, nil)
	id := e.PlaceOrder("c-1", "PROMO-1", 2)

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
