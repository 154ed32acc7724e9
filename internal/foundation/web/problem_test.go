package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
