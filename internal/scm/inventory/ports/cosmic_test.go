package ports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// TestCosmicErrorsAlwaysCarryAMessage: every error of the book's API is
// the book's {"message": ...} (its clients read nothing else); refusals of the request are
// 400, while a lost write race, a too large or non-JSON body and a server
// fault keep their own status.
func TestCosmicErrorsAlwaysCarryAMessage(t *testing.T) {
	h := HTTP{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	cases := []struct {
		name    string
		err     error
		status  int
		message string
	}{
		{"invalid field", web.Invalid(web.FieldError{Field: "qty", Reason: "required"}), 400, "qty: required"},
		{"domain refusal", fmt.Errorf("batch b-1: %w", domain.ErrDuplicateBatch), 400, "batch b-1"},
		{"unknown batch", fmt.Errorf("batch b-9: %w", domain.ErrUnknownBatch), 400, "batch b-9"},
		{"every retry lost", fmt.Errorf("product TOFU: %w", event.ErrConcurrency), 409, "concurrent update, please retry"},
		{"body too large", web.NewProblem(http.StatusRequestEntityTooLarge, "body is over 1048576 bytes"), 413, "body is over"},
		{"not JSON", web.NewProblem(http.StatusUnsupportedMediaType, "missing Content-Type; want application/json"), 415, "missing Content-Type"},
		{"server fault", errors.New("disk on fire"), 500, "internal error"},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		h.cosmicFail(w, httptest.NewRequest("POST", "/allocate", nil), c.err)
		var m map[string]string
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s: body %q: %v", c.name, w.Body, err)
		}
		if w.Code != c.status || len(m) != 1 || !strings.Contains(m["message"], c.message) ||
			w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %s %s, want %d with only a message naming %q, as JSON", c.name, w.Code, w.Header().Get("Content-Type"),
				w.Body, c.status, c.message)
		}
	}
	// A problem err carries is not changed for the next request that
	// answers it.
	shared := web.NewProblem(http.StatusUnprocessableEntity, "qty 0: out of range")
	h.cosmicFail(httptest.NewRecorder(), httptest.NewRequest("POST", "/allocate", nil), shared)
	if shared.Status != http.StatusUnprocessableEntity || shared.Message != "" {
		t.Errorf("cosmicFail changed the problem it was given: %+v", shared)
	}
}

// TestCosmicBodyErrors: the book's paths refuse a body that is not JSON or
// too large with a message, before any work is done.
func TestCosmicBodyErrors(t *testing.T) {
	h := HTTP{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, c := range []struct {
		path, ctype, body string
		status            int
	}{
		{"/allocate", "", `{"orderid":"o-1","sku":"TOFU","qty":1}`, 415},
		{"/add_batch", "text/plain", `{"ref":"b-1","sku":"TOFU","qty":1}`, 415},
		{"/allocate", "application/json", `{"orderid":"` + strings.Repeat("x", web.MaxBody) + `"}`, 413},
		{"/add_batch", "application/json", `{"ref":`, 400},
	} {
		mux := http.NewServeMux()
		h.registerCosmic(mux)
		r := httptest.NewRequest("POST", c.path, strings.NewReader(c.body))
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		var p struct{ Message string }
		if w.Code != c.status || json.Unmarshal(w.Body.Bytes(), &p) != nil || p.Message == "" {
			t.Errorf("%s %q: %d %s, want %d with a message", c.path, c.ctype, w.Code, w.Body, c.status)
		}
	}
}
