package event

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
)

// W3C trace context (https://www.w3.org/TR/trace-context/): envelopes carry
// the traceparent of the request or message that caused them, so a trace
// follows an order across services.

type traceKey struct{}

var traceParentRe = regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$`)

// ValidTraceParent reports whether s is a version-00 traceparent with
// non-zero ids.
func ValidTraceParent(s string) bool {
	m := traceParentRe.FindStringSubmatch(s)
	return m != nil && m[1] != "00000000000000000000000000000000" && m[2] != "0000000000000000"
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
