package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// SpecVersion is the CloudEvents specification version the envelope follows.
const SpecVersion = "1.0"

// Envelope carries one event or command: the CloudEvents 1.0 context
// attributes, banchan's correlation and causation ids, the W3C trace context
// and the JSON payload. It is what travels on the wire, as JSON.
//
// Topic, Stream and Version place the event in the log: Topic is the broker
// topic it is published on (by convention the producing service), Stream the
// aggregate it belongs to and Version its position inside that stream.
// Position is the global position in the log, assigned by the store.
type Envelope struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Source          string          `json:"source"`
	Subject         string          `json:"subject,omitempty"`
	Time            time.Time       `json:"time"`
	DataContentType string          `json:"datacontenttype"`
	CorrelationID   string          `json:"correlationid,omitempty"`
	CausationID     string          `json:"causationid,omitempty"`
	TraceParent     string          `json:"traceparent,omitempty"`
	Topic           string          `json:"topic,omitempty"`
	Stream          string          `json:"stream,omitempty"`
	Version         int64           `json:"streamversion,omitempty"`
	Position        int64           `json:"position,omitempty"`
	Data            json.RawMessage `json:"data"`
}

// NewID returns a new UUIDv7: unique, and sortable by creation time.
func NewID() string {
	id, err := uuid.NewV7()
	if err != nil {
		// uuid.NewV7 only fails when the system's random source fails.
		panic(fmt.Sprintf("event: uuid v7: %v", err))
	}
	return id.String()
}

// New builds an envelope for data (marshalled to JSON) with a fresh id, the
// current time and a correlation id equal to its own id. Use CausedBy to
// continue a causal chain.
func New(topic, typ, source, subject string, data any) (Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("event %s: marshal data: %w", typ, err)
	}
	id := NewID()
	env := Envelope{
		SpecVersion:     SpecVersion,
		ID:              id,
		Type:            typ,
		Source:          source,
		Subject:         subject,
		Time:            time.Now().UTC(),
		DataContentType: "application/json",
		CorrelationID:   id,
		Topic:           topic,
		Data:            raw,
	}
	return env, env.Validate()
}

// CausedBy returns e as a consequence of cause: it shares cause's correlation
// id and trace context and names cause as its causation.
func (e Envelope) CausedBy(cause Envelope) Envelope {
	e.CorrelationID = cause.CorrelationID
	if e.CorrelationID == "" {
		e.CorrelationID = cause.ID
	}
	e.CausationID = cause.ID
	if e.TraceParent == "" && cause.TraceParent != "" {
		e.TraceParent = ChildTraceParent(cause.TraceParent)
	}
	return e
}

// validName reports whether s starts with a letter and continues with
// letters, digits, '_' or '.' (an event type). A byte loop: this runs for
// every delivery.
func validName(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// ValidTopic reports whether t can name a topic: a lower-case letter, then
// lower-case letters, digits and dashes.
func ValidTopic(t string) bool {
	if t == "" || t[0] < 'a' || t[0] > 'z' {
		return false
	}
	for i := 1; i < len(t); i++ {
		c := t[i]
		if (c < 'a' || c > 'z') && !isDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// Validate reports the first attribute that breaks the envelope's contract.
func (e Envelope) Validate() error {
	if err := e.validateAttributes(); err != nil {
		return err
	}
	if len(e.Data) > 0 && !json.Valid(e.Data) {
		return fmt.Errorf("%w: data is not JSON", ErrInvalidEnvelope)
	}
	return nil
}

// validateAttributes checks everything but the data.
func (e Envelope) validateAttributes() error {
	switch {
	case e.SpecVersion != SpecVersion:
		return fmt.Errorf("%w: specversion %q, want %q", ErrInvalidEnvelope, e.SpecVersion, SpecVersion)
	case e.ID == "":
		return fmt.Errorf("%w: missing id", ErrInvalidEnvelope)
	case !validName(e.Type):
		return fmt.Errorf("%w: type %q is not a name", ErrInvalidEnvelope, e.Type)
	case e.Source == "":
		return fmt.Errorf("%w: missing source", ErrInvalidEnvelope)
	case e.Time.IsZero():
		return fmt.Errorf("%w: missing time", ErrInvalidEnvelope)
	case e.Topic != "" && !ValidTopic(e.Topic):
		return fmt.Errorf("%w: topic %q must be lower-case letters, digits and dashes", ErrInvalidEnvelope, e.Topic)
	case e.TraceParent != "" && !ValidTraceParent(e.TraceParent):
		return fmt.Errorf("%w: traceparent %q is not W3C trace context", ErrInvalidEnvelope, e.TraceParent)
	}
	return nil
}

// Marshal encodes the envelope for the wire.
func (e Envelope) Marshal() ([]byte, error) { return json.Marshal(e) }

// Unmarshal decodes and validates an envelope from the wire. Its errors are
// permanent: the same bytes will never decode.
func Unmarshal(b []byte) (Envelope, error) {
	e, ok := decodeFast(b)
	if !ok {
		e = Envelope{}
		if err := json.Unmarshal(b, &e); err != nil {
			return Envelope{}, Permanent(fmt.Errorf("%w: %v", ErrInvalidEnvelope, err))
		}
	}
	// json.Unmarshal has checked that data is valid JSON already.
	if err := e.validateAttributes(); err != nil {
		return Envelope{}, Permanent(err)
	}
	return e, nil
}

// Decode unmarshals the envelope's data into v. A payload that does not fit
// is a permanent error.
func (e Envelope) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return Permanent(fmt.Errorf("decode %s data: %w", e.Type, err))
	}
	return nil
}

// ErrInvalidEnvelope marks an envelope that breaks the contract.
var ErrInvalidEnvelope = errors.New("invalid envelope")
