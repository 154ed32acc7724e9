package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/banchan/banchan/event"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Trace puts the request's W3C traceparent (or a new trace) in the request
// context, so that events the request causes carry it, and echoes it back.
func Trace(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tp := r.Header.Get("traceparent")
		if event.ValidTraceParent(tp) {
			tp = event.ChildTraceParent(tp)
		} else {
			tp = event.NewTraceParent()
		}
		w.Header().Set("traceparent", tp)
		next.ServeHTTP(w, r.WithContext(event.ContextWithTraceParent(r.Context(), tp)))
	})
}

// Recover turns a handler's panic into a logged 500 problem instead of a
// dropped connection.
func Recover(log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					WriteError(w, r, log, fmt.Errorf("panic: %v", v))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

// Unwrap lets http.ResponseController reach the connection (read
// deadlines, flushing) through the recorder.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// AccessLog logs each request at debug level (warn for 5xx).
func AccessLog(log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			level := slog.LevelDebug
			if rec.status >= 500 {
				level = slog.LevelWarn
			}
			if !log.Enabled(r.Context(), level) {
				return
			}
			log.Log(r.Context(), level, "http", "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"duration", time.Since(start), "traceparent", event.TraceParentFrom(r.Context()))
		})
	}
}

// Chain applies middlewares, the first outermost.
func Chain(h http.Handler, ms ...Middleware) http.Handler {
	for i := len(ms) - 1; i >= 0; i-- {
		h = ms[i](h)
	}
	return h
}
