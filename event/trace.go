package event

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// W3C trace context (https://www.w3.org/TR/trace-context/): envelopes carry
// the traceparent of the request or message that caused them, so a trace
// follows an order across services.

type traceKey struct{}

// ValidTraceParent reports whether s is a version-00 traceparent
// (00-<32 hex trace id>-<16 hex span id>-<2 hex flags>, lower case) with
// non-zero ids. It runs on every request and envelope, so by hand.
func ValidTraceParent(s string) bool {
	if len(s) != 55 || s[:3] != "00-" || s[35] != '-' || s[52] != '-' {
		return false
	}
	return lowerHex(s[3:35]) && lowerHex(s[36:52]) && lowerHex(s[53:]) &&
		s[3:35] != "00000000000000000000000000000000" && s[36:52] != "0000000000000000"
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// NewTraceParent starts a new trace (sampled).
func NewTraceParent() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "00-" + hex.EncodeToString(b[:16]) + "-" + hex.EncodeToString(b[16:]) + "-01"
}

// ChildTraceParent keeps tp's trace id with a new span id; an invalid tp
// starts a new trace.
func ChildTraceParent(tp string) string {
	if !ValidTraceParent(tp) {
		return NewTraceParent()
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return tp[:36] + hex.EncodeToString(b[:]) + tp[52:]
}

// ContextWithTraceParent returns ctx carrying tp.
func ContextWithTraceParent(ctx context.Context, tp string) context.Context {
	return context.WithValue(ctx, traceKey{}, tp)
}

// TraceParentFrom returns the traceparent carried by ctx, or "".
func TraceParentFrom(ctx context.Context) string {
	tp, _ := ctx.Value(traceKey{}).(string)
	return tp
}

// Traced sets the envelope's traceparent from ctx when it has none.
func (e Envelope) Traced(ctx context.Context) Envelope {
	if e.TraceParent == "" {
		if tp := TraceParentFrom(ctx); tp != "" {
			e.TraceParent = ChildTraceParent(tp)
		}
	}
	return e
}
