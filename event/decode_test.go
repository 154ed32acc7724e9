package event

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func slowDecode(b []byte) (Envelope, error) {
	var e Envelope
	err := json.Unmarshal(b, &e)
	return e, err
}

// The fast decoder must agree with encoding/json wherever it answers.
func checkAgrees(t *testing.T, b []byte) {
	t.Helper()
	fast, ok := decodeFast(b)
	if !ok {
		return
	}
	slow, err := slowDecode(b)
	if err != nil {
		t.Fatalf("fast path accepted %q, encoding/json rejects it: %v", b, err)
	}
	if !reflect.DeepEqual(fast, slow) && !(fast.Time.Equal(slow.Time) && reflect.DeepEqual(withoutTime(fast), withoutTime(slow))) {
		t.Fatalf("decoders disagree on %q:\nfast %+v\nslow %+v", b, fast, slow)
	}
}

func withoutTime(e Envelope) Envelope { e.Time = time.Time{}; return e }

func TestDecodeFastAgreesWithEncodingJSON(t *testing.T) {
	env, _ := New("ordering", "OrderPlaced", "/banchan/ordering", "o-1", map[string]any{
		"id": "o-1", "lines": []any{map[string]any{"sku": "A", "qty": 2}}, "note": "a \"quoted\" } brace", "n": nil})
	env.Stream, env.Version, env.Position, env.TraceParent = "ordering/order-o-1", 3, 42, NewTraceParent()
	marshalled, _ := env.Marshal()
	if _, ok := decodeFast(marshalled); !ok {
		t.Fatal("the fast path does not take what Marshal writes")
	}
	cases := []string{
		string(marshalled),
		`{"specversion":"1.0","id":"x","type":"T","source":"s","time":"2026-12-01T00:00:00Z","data":5}`,
		`{"specversion":"1.0","id":"x","type":"T","source":"s","time":"2026-12-01T00:00:00Z","data":"str"}`,
		`{"specversion":"1.0","id":"x","type":"T","source":"s","time":"2026-12-01T00:00:00Z","data":[1,{"a":[]}]}`,
		` { "id" : "x" , "data" : true } `,
		`{"id":"esc\"aped","data":{}}`,
		`{"id":"x","data":{"a":}}`,
		`{"id":"x","data":tru}`,
		`{"id":"x","unknown":1}`,
		`{"id":"x",}`,
		`{"id":"x"} trailing`,
		`{"streamversion":"7"}`,
		`{"position":1.5}`,
		`{"time":"yesterday"}`,
		`[]`, ``, `{`, `{"id"`,
	}
	for _, c := range cases {
		checkAgrees(t, []byte(c))
	}
	for _, bad := range []string{`{"id":"x","data":{"a":}}`, `{"id":"x","data":tru}`, `{"id":"x"} trailing`, `{"id":"x",}`} {
		if _, ok := decodeFast([]byte(bad)); ok {
			t.Errorf("fast path accepted malformed %q", bad)
		}
	}
}

func FuzzDecodeFast(f *testing.F) {
	env, _ := New("t", "T", "/s", "x", map[string]any{"a": []int{1, 2}})
	b, _ := env.Marshal()
	f.Add(b)
	f.Add([]byte(`{"id":"x","data":{"a":"}"}}`))
	f.Fuzz(func(t *testing.T, b []byte) { checkAgrees(t, b) })
}

func BenchmarkUnmarshal(b *testing.B) {
	env, _ := New("ordering", "OrderPlaced", "/banchan/ordering", "o-1", map[string]any{"id": "o-1", "qty": 2})
	raw, _ := env.Marshal()
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := Unmarshal(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := slowDecode(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
