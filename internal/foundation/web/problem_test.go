package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/banchan/banchan/event"
)

func TestConcurrencyErrorsAre409(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/x", nil)
	WriteError(w, r, slog.New(slog.DiscardHandler), fmt.Errorf("save: %w", event.ErrConcurrency))
	if w.Code != http.StatusConflict || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("concurrency error: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
}

// A request its client abandoned (its context canceled) that fails with
// the cancellation is no server fault: 499, logged below error level.
func TestAnAbandonedRequestIsNotAServerFault(t *testing.T) {
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("POST", "/x", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	WriteError(w, r, log, fmt.Errorf("postgres: lock log: %w", context.Canceled))
	if w.Code != StatusClientClosedRequest || strings.Contains(logged.String(), "level=ERROR") {
		t.Errorf("abandoned: %d, logged %q; want 499 and no error", w.Code, logged.String())
	}
	// The same error while the client still waits is a fault.
	logged.Reset()
	w = httptest.NewRecorder()
	WriteError(w, httptest.NewRequest("POST", "/x", nil), log, fmt.Errorf("lock log: %w", context.Canceled))
	if w.Code != http.StatusInternalServerError || !strings.Contains(logged.String(), "level=ERROR") {
		t.Errorf("not abandoned: %d, logged %q; want 500 and an error", w.Code, logged.String())
	}
}

// Requests that match no route get a problem: 405 with Allow when the
// path has routes for other methods, 404 otherwise; routed ones reach
// their handler with their path values.
func TestRoutedAnswersUnroutedRequestsWithProblems(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /allocate", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	mux.HandleFunc("GET /allocations/{id}", func(w http.ResponseWriter, r *http.Request) {
		JSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
	})
	h := Routed(mux)
	cases := []struct {
		method, path string
		status       int
		allow, body  string
	}{
		{"POST", "/allocate", http.StatusAccepted, "", ""},
		{"GET", "/allocations/o-1", http.StatusOK, "", `{"id":"o-1"}`},
		{"GET", "/allocate", http.StatusMethodNotAllowed, "POST", "method GET not allowed on /allocate; allowed: POST"},
		{"DELETE", "/allocations/o-1", http.StatusMethodNotAllowed, "GET, HEAD", "allowed: GET, HEAD"},
		{"GET", "/nothing/here", http.StatusNotFound, "", "no such resource: /nothing/here"},
		{"POST", "/", http.StatusNotFound, "", "no such resource: /"},
		{"GET", "/allocations/o-1?sku=A;x=1", http.StatusBadRequest, "", "separate parameters with &"},
		{"GET", "/allocations/o-1?sku=%ZZ", http.StatusBadRequest, "", "invalid URL escape"},
		{"GET", "/allocations/o-1?sku=A%3Bx&limit=1", http.StatusOK, "", `{"id":"o-1"}`},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if w.Code != c.status || w.Header().Get("Allow") != c.allow || !strings.Contains(w.Body.String(), c.body) {
			t.Errorf("%s %s: %d Allow %q %s, want %d Allow %q containing %q", c.method, c.path, w.Code,
				w.Header().Get("Allow"), w.Body.String(), c.status, c.allow, c.body)
		}
		if c.status >= 400 && w.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q, want a problem", c.method, c.path, w.Header().Get("Content-Type"))
		}
	}
}

// TestDeleteTakesNoBody: a DELETE with a body that says something is a
// 400 and does not reach its handler; one without, or with {}, does.
func TestDeleteTakesNoBody(t *testing.T) {
	mux := http.NewServeMux()
	reached := 0
	mux.HandleFunc("DELETE /v1/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		reached++
		w.WriteHeader(http.StatusNoContent)
	})
	h := Routed(mux)
	for _, c := range []struct {
		body string
		want int
	}{{"", 204}, {"{}", 204}, {`{"force":true}`, 400}} {
		r := httptest.NewRequest("DELETE", "/v1/things/1", strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("DELETE with %q: %d %s, want %d", c.body, w.Code, w.Body, c.want)
		}
	}
	if reached != 2 {
		t.Errorf("the handler ran %d times, want 2", reached)
	}
}
