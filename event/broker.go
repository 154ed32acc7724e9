package event

import (
	"context"
	"fmt"
	"time"
)

// Publisher sends envelopes to the broker. Publish returns once the broker has
// durably accepted every envelope (or with the first error). The envelope id
// is the broker's message id: a repeat of the same id within the broker's
// deduplication window is accepted and dropped. Publish is safe for
// concurrent use.
type Publisher interface {
	Publish(ctx context.Context, envs ...Envelope) error
}

// Subscriber opens durable subscriptions.
//
// A subscription is named (by convention after the consuming service): every
// distinct name receives every envelope published on its topics (fan-out),
// including those published before it first subscribed; several
// subscriptions open under one name, in one process or many, share the
// envelopes between them (competing consumers).
//
// The handler is called for each delivery, possibly concurrently, but never
// concurrently for two envelopes of the same subject within one subscriber,
// and in publish order for one subject unless a delivery is retried. The
// handler must settle each delivery exactly once (Ack, Nak or Term); a
// delivery neither settled nor finished before the ack wait is redelivered.
type Subscriber interface {
	Subscribe(ctx context.Context, opts SubscribeOptions, h DeliveryHandler) (Subscription, error)
}

// Broker is a backend that both publishes and subscribes.
type Broker interface {
	Publisher
	Subscriber
	// Ping reports whether the broker is reachable.
	Ping(ctx context.Context) error
	Close() error
}

// Subscription is an open subscription. Close stops new deliveries and waits
// for the handlers in flight to return.
type Subscription interface {
	Close() error
}

// DeliveryHandler handles one delivery and settles it.
type DeliveryHandler func(ctx context.Context, d Delivery)

// Delivery is one delivery of one envelope to one subscription.
type Delivery interface {
	// Data is the raw message as published (normally an encoded Envelope).
	Data() []byte
	// Subject is the broker subject the message was published on.
	Subject() string
	// Attempt counts deliveries of this message to this subscription, from 1.
	Attempt() int
	// Ack settles the message as done.
	Ack(ctx context.Context) error
	// Nak asks for redelivery after delay, without blocking other messages.
	Nak(ctx context.Context, delay time.Duration) error
	// Term settles the message as never to be delivered again.
	Term(ctx context.Context) error
}

// SubscribeOptions configure one subscription.
type SubscribeOptions struct {
	// Name is the durable subscription name, shared by competing consumers.
	Name string
	// Topics lists the topics to receive; at least one.
	Topics []string
	// Workers bounds concurrent handler calls (default 8). Deliveries of one
	// subject always go to the same worker, which keeps their order.
	Workers int
	// AckWait is how long a delivery may stay unsettled before the broker
	// redelivers it (default 30s).
	AckWait time.Duration
	// Owner, if set, names the store that keeps the subscription's
	// handling state (its inbox: what it has done already). The members of
	// one durable subscription must share that store: a member on another
	// would handle its share of the messages against state the others
	// never see. The broker keeps the owner of the first member and
	// refuses a member with another (ErrOwnedElsewhere), unless TakeOver,
	// which makes the new one the owner (a store moved or restored under a
	// new identity). Two members opened at the same moment for the first
	// time may both pass.
	Owner    string
	TakeOver bool
}

// Defaults fills unset options.
func (o SubscribeOptions) Defaults() SubscribeOptions {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	return o
}

// Validate reports options that cannot open a subscription.
func (o SubscribeOptions) Validate() error {
	if !ValidTopic(o.Name) {
		return fmt.Errorf("subscription name %q must be lower-case letters, digits and dashes", o.Name)
	}
	if len(o.Topics) == 0 {
		return fmt.Errorf("subscription %s: no topics", o.Name)
	}
	for _, t := range o.Topics {
		if !ValidTopic(t) {
			return fmt.Errorf("subscription %s: bad topic %q", o.Name, t)
		}
	}
	return nil
}
