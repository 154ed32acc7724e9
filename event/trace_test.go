package event

import (
	"context"
	"strings"
	"testing"
)

func TestTraceParent(t *testing.T) {
	tp := NewTraceParent()
	if !ValidTraceParent(tp) {
		t.Fatalf("new traceparent %q invalid", tp)
	}
	child := ChildTraceParent(tp)
	if !ValidTraceParent(child) || child[:36] != tp[:36] || child == tp {
		t.Errorf("child %q of %q: want the same trace id and a new span", child, tp)
	}
	for _, bad := range []string{"", "00-abc", "00-" + strings.Repeat("0", 32) + "-" + strings.Repeat("1", 16) + "-01",
		"01-" + strings.Repeat("a", 32) + "-" + strings.Repeat("1", 16) + "-01",
		"00-" + strings.Repeat("a", 32) + "-" + strings.Repeat("0", 16) + "-01", // zero span id
		"00-" + strings.Repeat("A", 32) + "-" + strings.Repeat("1", 16) + "-01", // upper case
		"00-" + strings.Repeat("a", 32) + "-" + strings.Repeat("1", 16) + "-0g",
		"00-" + strings.Repeat("a", 32) + "_" + strings.Repeat("1", 16) + "-01",
		"00-" + strings.Repeat("a", 32) + "-" + strings.Repeat("1", 16) + "-011",
		"00-" + strings.Repeat("a", 31) + "-" + strings.Repeat("1", 17) + "-01"} {
		if ValidTraceParent(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
	if ok := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"; !ValidTraceParent(ok) {
		t.Errorf("%q (the W3C example) rejected", ok)
	}
	env, _ := New("t", "Thing", "/test", "s", map[string]int{})
	env = env.Traced(ContextWithTraceParent(context.Background(), tp))
	if env.TraceParent[:36] != tp[:36] || env.Validate() != nil {
		t.Errorf("traced envelope %q, want trace of %q", env.TraceParent, tp)
	}
	next, _ := New("t", "Next", "/test", "s", map[string]int{})
	next = next.CausedBy(env)
	if next.TraceParent[:36] != tp[:36] || next.CausationID != env.ID || next.CorrelationID != env.CorrelationID {
		t.Errorf("caused envelope %+v does not continue %+v", next, env)
	}
}
