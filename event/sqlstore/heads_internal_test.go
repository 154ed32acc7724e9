package sqlstore

import "testing"

// The writer's memory of stream versions stays within its bound, keeping
// the newest appends.
func TestStreamHeadsBound(t *testing.T) {
	h := newStreamHeads(3)
	h.merge(map[string]int64{"a": 1, "b": 1, "c": 1})
	h.merge(map[string]int64{"d": 4})
	if len(h.versions) != 3 {
		t.Fatalf("%d streams remembered, want 3", len(h.versions))
	}
	if v, ok := h.get("d"); !ok || v != 4 {
		t.Fatalf("newest stream d: %d %v, want 4", v, ok)
	}
	h.merge(map[string]int64{"d": 5})
	if v, _ := h.get("d"); v != 5 || len(h.versions) != 3 {
		t.Fatalf("update of a remembered stream: d=%d, %d streams", v, len(h.versions))
	}
	h.forget("d")
	if _, ok := h.get("d"); ok {
		t.Fatal("forgotten stream still remembered")
	}
	h.reset()
	if len(h.versions) != 0 {
		t.Fatal("reset left streams")
	}
}
