package messages

import (
	"context"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/contract"
)

// Origin is what led to a fact, so that the events it causes continue the
// causal chain: the broker message being handled, or, for a request or a
// timer, the correlation id of the order the fact is about.
type Origin struct {
	// Cause is the message being handled (nil for a request or a timer).
	// It is only valid inside the handler's transaction.
	Cause *event.Envelope
	// CorrelationID is the order's correlation id, used when Cause is nil.
	CorrelationID string
}

// Stamp makes env a consequence of the origin: caused by its message, or
// traced to the request in ctx and correlated with the order.
func (o Origin) Stamp(ctx context.Context, env event.Envelope) event.Envelope {
	if o.Cause != nil {
		return env.CausedBy(*o.Cause)
	}
	env = env.Traced(ctx)
	if o.CorrelationID != "" {
		env.CorrelationID = o.CorrelationID
	}
	return env
}

// Correlation is the correlation id the origin's events carry ("" when a
// request or timer acts on nothing already correlated).
func (o Origin) Correlation() string {
	if o.Cause == nil {
		return o.CorrelationID
	}
	if o.Cause.CorrelationID != "" {
		return o.Cause.CorrelationID
	}
	return o.Cause.ID
}

// NewEvent builds an outward event about a fulfilment order: topic "scm",
// subject the order id, stream "scm/fulfilment-<id>", stamped by origin.
func NewEvent(ctx context.Context, o Origin, typ, orderID string, data any) (event.Envelope, error) {
	env, err := event.New(contract.EventTopic, typ, contract.Source, orderID, data)
	if err != nil {
		return env, err
	}
	env.Stream = "scm/fulfilment-" + orderID
	return o.Stamp(ctx, env), nil
}
