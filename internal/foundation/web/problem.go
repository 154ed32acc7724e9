// Package web holds the HTTP plumbing every service shares: strict JSON
// decoding, JSON responses and RFC 9457 problem details for every error.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/banchan/banchan/event"
)

// FieldError names one invalid field.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Problem is an RFC 9457 problem detail, and an error.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
	// Message repeats the detail for clients of the Cosmic Python API,
	// which read {"message": ...}.
	Message string `json:"message,omitempty"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// NewProblem builds a problem with a title derived from the status.
func NewProblem(status int, detail string) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}

// Invalid is a 422 problem listing invalid fields.
func Invalid(errs ...FieldError) *Problem {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Field + ": " + e.Reason
	}
	p := NewProblem(http.StatusUnprocessableEntity, strings.Join(parts, "; "))
	p.Type, p.Errors = "/problems/validation", errs
	return p
}

// Fields collects field errors during validation.
type Fields []FieldError

// Add records a problem with field.
func (f *Fields) Add(field, reason string) { *f = append(*f, FieldError{Field: field, Reason: reason}) }

// Err returns a 422 problem if any field was invalid, else nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f...)
}

// ErrorMapper maps a domain error to a problem, or returns nil when it does
// not know the error.
type ErrorMapper func(error) *Problem

// WriteError answers with the problem err is (or maps to); anything unknown
// is a 500 whose cause is logged, not shown.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, maps ...ErrorMapper) {
	WriteProblem(w, ProblemOf(r, log, err, maps...))
}

// ProblemOf is the problem WriteError answers err with: err itself when it
// is one, else the first mapping, a 409 for a write that lost every retry,
// or a 500 whose cause is logged.
func ProblemOf(r *http.Request, log *slog.Logger, err error, maps ...ErrorMapper) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	for _, m := range maps {
		if p = m(err); p != nil {
			return p
		}
	}
	if errors.Is(err, event.ErrConcurrency) {
		// Every retry lost to another writer: the client may try again.
		return NewProblem(http.StatusConflict, "concurrent update, please retry: "+err.Error())
	}
	if r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// The client went away before the answer: no fault of the server,
		// and no one to read the problem.
		log.Info("request abandoned by the client", "method", r.Method, "path", r.URL.Path, "err", err)
		return NewProblem(StatusClientClosedRequest, "the client closed the request before its answer")
	}
	log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return NewProblem(http.StatusInternalServerError, "internal error")
}

// StatusClientClosedRequest is the status logged for a request whose client
// left before its answer (nginx's 499), so that it is not counted as a
// server fault.
const StatusClientClosedRequest = 499

// WriteProblem answers with p.
func WriteProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	encode(w, p)
}

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	encode(w, v)
}

// encode writes v as JSON as it reads: "&" and "<" as themselves, not
// HTML-safe escapes (the answers are JSON, not HTML).
func encode(w http.ResponseWriter, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// NotFound answers unknown routes with a problem.
func NotFound(w http.ResponseWriter, r *http.Request) {
	p := NewProblem(http.StatusNotFound, "no such resource: "+r.URL.Path)
	p.Message = p.Detail // the Cosmic API's clients read "message"
	WriteError(w, r, slog.Default(), p)
}

// Routed serves mux, answering a request that matches none of its routes
// with a problem instead of the mux's plain text: 405 with the Allow
// header when the path has routes for other methods, 404 otherwise.
func Routed(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := parseQuery(r.URL.RawQuery); err != nil {
			var p *Problem
			if errors.As(err, &p) && p.Message == "" {
				p.Message = p.Detail // read before any route: the Cosmic API's clients read "message"
			}
			WriteError(w, r, slog.Default(), err)
			return
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			if r.Method == http.MethodDelete {
				// No DELETE here takes a body: one that says something is
				// refused rather than ignored.
				if err := NoBody(w, r); err != nil {
					WriteError(w, r, slog.Default(), err)
					return
				}
			}
			mux.ServeHTTP(w, r) // sets the path values
			return
		}
		// What the mux would answer: NotFound, or MethodNotAllowed with Allow.
		probe := &statusProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status != http.StatusMethodNotAllowed {
			NotFound(w, r)
			return
		}
		allow := probe.header.Get("Allow")
		w.Header().Set("Allow", allow)
		p := NewProblem(http.StatusMethodNotAllowed,
			fmt.Sprintf("method %s not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
		p.Message = p.Detail
		WriteError(w, r, slog.Default(), p)
	})
}

// parseQuery refuses a query that does not parse, rather than let the
// handler read what is left of it: Go drops a pair with a bad escape or a
// semicolon, so "?sku=A;x=1" would read as no sku at all.
func parseQuery(raw string) error {
	if raw == "" {
		return nil
	}
	_, err := url.ParseQuery(raw)
	if err == nil {
		return nil
	}
	detail := fmt.Sprintf("query %q does not parse: %v", raw, err)
	if strings.Contains(raw, ";") {
		detail += " (separate parameters with &, and write a semicolon in a value as %3B)"
	}
	return NewProblem(http.StatusBadRequest, detail)
}

// statusProbe records the status and headers a handler writes, and
// drops its body.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header { return p.header }

func (p *statusProbe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}

func (p *statusProbe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
