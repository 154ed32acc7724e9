package system

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRawClient(t *testing.T) {
	var conns atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want json", http.StatusUnsupportedMediaType)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("OK")) })
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message": "Invalid sku X"}`, http.StatusBadRequest)
	})
	mux.HandleFunc("GET /close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = w.Write([]byte("bye"))
	})
	mux.HandleFunc("GET /chunked", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("part"))
		w.(http.Flusher).Flush()
		_, _ = w.Write([]byte("more"))
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	rc, err := newRawClient(srv.URL, 2, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.close()
	ctx := context.Background()
	tests := []struct {
		name, method, path string
		body               string
		want               int
		wantErr            string
	}{
		{"post with a body", http.MethodPost, "/echo", `{"a":1}`, http.StatusAccepted, ""},
		{"get", http.MethodGet, "/ok", "", http.StatusOK, ""},
		{"unexpected status names it and the body", http.MethodGet, "/bad", "", http.StatusOK, "400: {\"message\": \"Invalid sku X\"}"},
		{"connection close", http.MethodGet, "/close", "", http.StatusOK, ""},
		{"chunked is refused", http.MethodGet, "/chunked", "", http.StatusOK, "transfer-encoding"},
		{"after close and refusal, a new connection", http.MethodGet, "/ok", "", http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			err := rc.do(ctx, tc.method, tc.path, body, tc.want)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want one with %q", err, tc.wantErr)
			}
		})
	}
	before := conns.Load()
	for range 20 {
		if err := rc.do(ctx, http.MethodGet, "/ok", nil, http.StatusOK); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load() - before; n > 0 {
		t.Errorf("20 sequential requests opened %d new connections: want them kept alive", n)
	}
}
