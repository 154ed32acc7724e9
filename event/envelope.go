package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
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

var (
	typeRe  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]*$`)
	topicRe = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// Validate reports the first attribute that breaks the envelope's contract.
func (e Envelope) Validate() error {
	switch {
	case e.SpecVersion != SpecVersion:
		return fmt.Errorf("%w: specversion %q, want %q", ErrInvalidEnvelope, e.SpecVersion, SpecVersion)
	case e.ID == "":
		return fmt.Errorf("%w: missing id", ErrInvalidEnvelope)
	case !typeRe.MatchString(e.Type):
		return fmt.Errorf("%w: type %q is not a name", ErrInvalidEnvelope, e.Type)
	case e.Source == "":
		return fmt.Errorf("%w: missing source", ErrInvalidEnvelope)
	case e.Time.IsZero():
		return fmt.Errorf("%w: missing time", ErrInvalidEnvelope)
	case e.Topic != "" && !topicRe.MatchString(e.Topic):
		return fmt.Errorf("%w: topic %q must be lower-case letters, digits and dashes", ErrInvalidEnvelope, e.Topic)
	case e.TraceParent != "" && !ValidTraceParent(e.TraceParent):
		return fmt.Errorf("%w: traceparent %q is not W3C trace context", ErrInvalidEnvelope, e.TraceParent)
	case len(e.Data) > 0 && !json.Valid(e.Data):
		return fmt.Errorf("%w: data is not JSON", ErrInvalidEnvelope)
	}
	return nil
}

// ValidTopic reports whether t can name a topic.
func ValidTopic(t string) bool { return topicRe.MatchString(t) }

// Marshal encodes the envelope for the wire.
func (e Envelope) Marshal() ([]byte, error) { return json.Marshal(e) }

// Unmarshal decodes and validates an envelope from the wire. Its errors are
// permanent: the same bytes will never decode.
func Unmarshal(b []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return Envelope{}, Permanent(fmt.Errorf("%w: %v", ErrInvalidEnvelope, err))
	}
	if err := e.Validate(); err != nil {
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
