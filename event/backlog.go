package event

import "context"

// SubscriptionRegistry records which topics and event types each durable
// subscription handles, so that what a subscription still waits for can be
// found in the log again (see Backlog). Processes sharing a store register
// their own subscriptions in it, so every one of them knows them all.
type SubscriptionRegistry interface {
	// RegisterSubscription records that subscription name handles every
	// type of types on every topic of topics. Registering again adds what is
	// new and keeps what is already recorded.
	RegisterSubscription(ctx context.Context, name string, topics, types []string) error
}

// Backlog finds the logged envelopes that subscriptions have not yet
// acknowledged: those of a topic and type that a registered subscription
// handles, for which that subscription has neither an inbox record (see
// WithInbox) nor a dead letter. An outbox relay republishes them when the
// broker has lost the messages it had stored. While no subscription is
// registered at all, every envelope counts: none is known to be
// acknowledged.
type Backlog interface {
	// Unacknowledged returns those envelopes with a position in (after,
	// until], in position order, and how many envelopes the log holds in
	// that range.
	Unacknowledged(ctx context.Context, after, until int64) (envs []Envelope, logged int, err error)
}
