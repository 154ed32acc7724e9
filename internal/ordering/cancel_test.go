package ordering_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/contract"
)

// driveTo moves a new order to status through the SCM's news.
func (e *env) driveTo(id, status string) {
	e.t.Helper()
	switch status {
	case "PLACED":
	case "ALLOCATED":
		e.deliver(e.allocated(id, 1))
	case "BACKORDERED":
		e.deliver(e.backordered(id, 1))
	default:
		e.deliver(e.allocated(id, 1))
		e.deliver(e.progressed(id, status, time.Now()))
	}
	if o := e.order(id); o.Status != status {
		e.t.Fatalf("order %s is %s, want %s", id, o.Status, status)
	}
}

func testCancelAtEachAllowedStage(t *testing.T, e *env) {
	for _, stage := range []string{"PLACED", "ALLOCATED", "BACKORDERED", "COOKING", "PICKED_UP", "PACKED"} {
		t.Run(stage, func(t *testing.T) {
			id := e.place("c-" + stage)
			e.driveTo(id, stage)
			var o order
			e.json("POST", "/v1/orders/"+id+"/cancel", `{"reason":"changed my mind"}`, http.StatusOK, &o)
			last := o.History[len(o.History)-1]
			if o.Status != "CANCELLED" || last.Status != "CANCELLED" || last.Reason != "changed my mind" || last.At.IsZero() {
				t.Errorf("cancelled order %+v", o)
			}
			// Again: the same answer, no second event.
			e.json("POST", "/v1/orders/"+id+"/cancel", "", http.StatusOK, &o)
			if o.Status != "CANCELLED" || len(o.History) != len(e.order(id).History) {
				t.Errorf("second cancel %+v", o)
			}
			checkCancelledEvent(t, e.loggedOne(contract.TypeOrderCancelled, id), id, "c-"+stage)
		})
	}
}

func checkCancelledEvent(t *testing.T, env event.Envelope, id, customer string) {
	t.Helper()
	var c contract.OrderCancelled
	if err := env.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if env.Topic != contract.Topic || env.Stream != "ordering/order-"+id || env.Subject != id || c.ID != id ||
		c.CustomerID != customer || c.TotalAmount != 11800 || len(c.Lines) != 1 || c.Reason != "changed my mind" ||
		c.CancelledAt.IsZero() {
		t.Errorf("OrderCancelled %+v %+v", env, c)
	}
}

func testCancelAfterShippedIs409(t *testing.T, e *env) {
	for _, stage := range []string{"SHIPPED", "DELIVERED"} {
		id := e.place("c-1")
		e.driveTo(id, stage)
		code, body, _ := e.do("POST", "/v1/orders/"+id+"/cancel", `{"reason":"late"}`)
		var p struct {
			Status int    `json:"status"`
			Detail string `json:"detail"`
		}
		_ = json.Unmarshal(body, &p)
		if want := "order " + id + " is " + stage + ": too late to cancel"; code != http.StatusConflict || p.Detail != want {
			t.Errorf("cancel %s: %d %s, want 409 %q", stage, code, body, want)
		}
		if o := e.order(id); o.Status != stage || len(e.logged(contract.TypeOrderCancelled, id)) != 0 {
			t.Errorf("refused cancel changed the order: %+v", o)
		}
	}
}

func testCancelRequests(t *testing.T, e *env) {
	id, other := e.place("c-1"), e.place("c-1")
	long := `{"reason":"` + strings.Repeat("x", 501) + `"}`
	cases := []struct {
		name, path, body, contentType string
		want                          int
	}{
		{"unknown order", "/v1/orders/nope/cancel", "", "", http.StatusNotFound},
		{"unknown field", "/v1/orders/" + id + "/cancel", `{"why":"x"}`, "application/json", http.StatusBadRequest},
		{"malformed", "/v1/orders/" + id + "/cancel", `{"reason":`, "application/json", http.StatusBadRequest},
		{"wrong type", "/v1/orders/" + id + "/cancel", `{"reason":1}`, "application/json", http.StatusUnprocessableEntity},
		{"reason too long", "/v1/orders/" + id + "/cancel", long, "application/json", http.StatusUnprocessableEntity},
		{"not JSON", "/v1/orders/" + id + "/cancel", `reason=x`, "text/plain", http.StatusUnsupportedMediaType},
		{"empty object", "/v1/orders/" + id + "/cancel", `{}`, "application/json", http.StatusOK},
		{"no body, no content type", "/v1/orders/" + other + "/cancel", "", "", http.StatusOK},
	}
	for _, c := range cases {
		if code, body, _ := e.doRaw("POST", c.path, c.body, c.contentType); code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, body, c.want)
		}
	}
}

func testCancelWithIdempotencyKey(t *testing.T, e *env) {
	id := e.place("c-1")
	path := "/v1/orders/" + id + "/cancel"
	code, first, h := e.do("POST", path, `{"reason":"a"}`, "Idempotency-Key", "k-1")
	if code != http.StatusOK || h.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %s", code, first)
	}
	code, again, h := e.do("POST", path, `{"reason":"a"}`, "Idempotency-Key", "k-1")
	if code != http.StatusOK || h.Get("Idempotent-Replayed") != "true" || string(again) != string(first) {
		t.Errorf("replay: %d %s %v", code, again, h)
	}
	if code, body, _ := e.do("POST", path, `{"reason":"b"}`, "Idempotency-Key", "k-1"); code != http.StatusUnprocessableEntity {
		t.Errorf("same key, other reason: %d %s, want 422", code, body)
	}
	// A key first used to place an order cannot cancel one.
	code, _, _ = e.do("POST", "/v1/orders", orderBody("c-1"), "Idempotency-Key", "k-2")
	if code != http.StatusCreated {
		t.Fatalf("place: %d", code)
	}
	if code, body, _ := e.do("POST", path, "", "Idempotency-Key", "k-2"); code != http.StatusUnprocessableEntity {
		t.Errorf("place key reused to cancel: %d %s, want 422", code, body)
	}
}
