package event_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
)

func validEnvelope(t *testing.T) event.Envelope {
	t.Helper()
	env, err := event.New("orders", "OrderPlaced", "ordering", "order-1", map[string]int{"qty": 2})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestNew(t *testing.T) {
	env := validEnvelope(t)
	if env.ID == "" || env.CorrelationID != env.ID || env.CausationID != "" {
		t.Errorf("new envelope ids: id %q correlation %q causation %q", env.ID, env.CorrelationID, env.CausationID)
	}
	if string(env.Data) != `{"qty":2}` || env.DataContentType != "application/json" {
		t.Errorf("data %s (%s)", env.Data, env.DataContentType)
	}
	if _, err := event.New("orders", "OrderPlaced", "ordering", "", func() {}); err == nil {
		t.Error("New accepted data that does not marshal")
	}
	if _, err := event.New("Orders", "OrderPlaced", "ordering", "", nil); !errors.Is(err, event.ErrInvalidEnvelope) {
		t.Errorf("New with a bad topic: %v, want ErrInvalidEnvelope", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*event.Envelope)
		want   string // part of the error; "" for valid
	}{
		{"valid", func(*event.Envelope) {}, ""},
		{"no topic is fine", func(e *event.Envelope) { e.Topic = "" }, ""},
		{"no data is fine", func(e *event.Envelope) { e.Data = nil }, ""},
		{"dotted type", func(e *event.Envelope) { e.Type = "ordering.OrderPlaced.v2" }, ""},
		{"spec version", func(e *event.Envelope) { e.SpecVersion = "0.3" }, "specversion"},
		{"missing id", func(e *event.Envelope) { e.ID = "" }, "missing id"},
		{"type with space", func(e *event.Envelope) { e.Type = "Order Placed" }, "type"},
		{"type starting with a digit", func(e *event.Envelope) { e.Type = "1Order" }, "type"},
		{"missing source", func(e *event.Envelope) { e.Source = "" }, "source"},
		{"missing time", func(e *event.Envelope) { e.Time = time.Time{} }, "time"},
		{"upper-case topic", func(e *event.Envelope) { e.Topic = "Orders" }, "topic"},
		{"topic with a dot", func(e *event.Envelope) { e.Topic = "orders.eu" }, "topic"},
		{"data not JSON", func(e *event.Envelope) { e.Data = json.RawMessage("{nope") }, "not JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnvelope(t)
			tc.change(&env)
			err := env.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.want != "" && (!errors.Is(err, event.ErrInvalidEnvelope) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate() = %v, want ErrInvalidEnvelope mentioning %q", err, tc.want)
			}
		})
	}
}

func TestUnmarshal(t *testing.T) {
	env := validEnvelope(t)
	raw, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := event.Unmarshal(raw)
	if err != nil || got.ID != env.ID || !got.Time.Equal(env.Time) || string(got.Data) != string(env.Data) {
		t.Errorf("round trip = %+v, %v; want %+v", got, err, env)
	}
	invalid := env
	invalid.Type = "not a type"
	rawInvalid, _ := json.Marshal(invalid)
	for name, b := range map[string][]byte{
		"empty": nil, "not JSON": []byte("{oops"), "wrong shape": []byte(`[1,2]`),
		"JSON but invalid": []byte(`{"id":"x"}`), "bad type": rawInvalid,
	} {
		_, err := event.Unmarshal(b)
		if !event.IsPermanent(err) || !errors.Is(err, event.ErrInvalidEnvelope) {
			t.Errorf("Unmarshal(%s) = %v, want a permanent ErrInvalidEnvelope", name, err)
		}
	}
}

func TestDecodeMismatchIsPermanent(t *testing.T) {
	var v struct{ Qty string }
	if err := validEnvelope(t).Decode(&v); !event.IsPermanent(err) {
		t.Errorf("Decode into the wrong type = %v, want a permanent error", err)
	}
}

func TestCausedBy(t *testing.T) {
	cause := validEnvelope(t)
	cause.CorrelationID = "corr-1"
	cause.TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	effect := validEnvelope(t).CausedBy(cause)
	// The effect continues the cause's trace (same trace id) in a span of its own.
	if effect.CorrelationID != "corr-1" || effect.CausationID != cause.ID ||
		effect.TraceParent[:36] != cause.TraceParent[:36] || effect.TraceParent == cause.TraceParent {
		t.Errorf("caused by: correlation %q causation %q trace %q", effect.CorrelationID, effect.CausationID, effect.TraceParent)
	}
	own := validEnvelope(t)
	own.TraceParent = "00-own-span-01"
	if got := own.CausedBy(cause).TraceParent; got != "00-own-span-01" {
		t.Errorf("CausedBy replaced the envelope's own trace context with %q", got)
	}
	bare := validEnvelope(t)
	bare.CorrelationID = ""
	if got := validEnvelope(t).CausedBy(bare).CorrelationID; got != bare.ID {
		t.Errorf("cause without a correlation id: correlation %q, want the cause's id %q", got, bare.ID)
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("boom")
	if event.Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	if event.IsPermanent(base) {
		t.Error("a plain error is permanent")
	}
	wrapped := errors.Join(errors.New("context"), event.Permanent(base))
	if !event.IsPermanent(wrapped) || !errors.Is(wrapped, base) {
		t.Errorf("wrapped permanent error lost its mark or its cause: %v", wrapped)
	}
}

func TestSubscribeOptions(t *testing.T) {
	o := event.SubscribeOptions{Name: "billing", Topics: []string{"orders"}}.Defaults()
	if o.Workers != 8 || o.AckWait != 30*time.Second {
		t.Errorf("defaults = %+v", o)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("valid options rejected: %v", err)
	}
}
