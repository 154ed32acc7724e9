package ordering_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

type orderPage struct {
	Items []order `json:"items"`
	Next  string  `json:"next"`
}

func testCustomerOrdersPages(t *testing.T, e *env) {
	placed := map[string]bool{}
	for i := 0; i < 5; i++ {
		placed[e.place("c-1")] = true
	}
	e.place("c-2")
	var pages []orderPage
	path := "/v1/customers/c-1/orders?limit=2"
	for {
		var p orderPage
		e.json("GET", path, "", http.StatusOK, &p)
		pages = append(pages, p)
		if p.Next == "" {
			break
		}
		path = "/v1/customers/c-1/orders?limit=2&cursor=" + p.Next
	}
	var seen []order
	for _, p := range pages {
		seen = append(seen, p.Items...)
	}
	if len(pages) != 3 || len(pages[0].Items) != 2 || len(pages[1].Items) != 2 || len(pages[2].Items) != 1 {
		t.Fatalf("pages %+v, want 2+2+1 orders", pages)
	}
	for i, o := range seen {
		if !placed[o.ID] || o.CustomerID != "c-1" {
			t.Errorf("item %d: %s of %s is not one of c-1's orders (or a repeat)", i, o.ID, o.CustomerID)
		}
		delete(placed, o.ID)
		if i > 0 && o.PlacedAt.After(seen[i-1].PlacedAt) {
			t.Errorf("item %d placed %v after item %d: want newest first", i, o.PlacedAt, i-1)
		}
	}
	var all orderPage
	e.json("GET", "/v1/customers/c-1/orders", "", http.StatusOK, &all)
	if len(all.Items) != 5 || all.Next != "" || all.Items[0].ID != seen[0].ID {
		t.Errorf("default page: %d items, next %q", len(all.Items), all.Next)
	}
}

func testCustomerOrdersBadQueries(t *testing.T, e *env) {
	e.place("c-1")
	cases := map[string]string{
		"?limit=0":          "limit",
		"?limit=101":        "limit",
		"?limit=ten":        "limit",
		"?cursor=%21%21%21": "cursor",
		"?cursor=bm9waXBl":  "cursor", // base64 of "nopipe"
	}
	for q, field := range cases {
		code, body, _ := e.do("GET", "/v1/customers/c-1/orders"+q, "")
		var p struct {
			Errors []struct{ Field string } `json:"errors"`
		}
		_ = json.Unmarshal(body, &p)
		if code < 400 || code > 499 || len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: %d %s, want a 4xx naming %s", q, code, body, field)
		}
	}
	var empty orderPage
	e.json("GET", "/v1/customers/nobody/orders", "", http.StatusOK, &empty)
	if empty.Items == nil || len(empty.Items) != 0 || empty.Next != "" {
		t.Errorf("unknown customer's page %+v", empty)
	}
	if code, body, _ := e.do("GET", "/v1/customers/c-1/orders", ""); !strings.Contains(string(body), `"next":""`) || code != 200 {
		t.Errorf("last page: %d %s, want next \"\"", code, body)
	}
}
