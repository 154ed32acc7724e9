package event

import (
	"context"
	"time"
)

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
	// that range. Envelopes at or below the inbox horizon (see
	// InboxPruner) are acknowledged.
	Unacknowledged(ctx context.Context, after, until int64) (envs []Envelope, logged int, err error)
}

// InboxPruner bounds the inboxes. Every envelope up to the inbox horizon, a
// log position that only moves forward, has been acknowledged by every
// registered subscription that handles it (an inbox record or a dead
// letter) and each inbox record of it is older than a retention: those
// records are deleted, and the backlog counts everything up to the horizon
// as acknowledged, so that a broker's lost storage does not bring them
// back. The horizon stops at the first envelope some subscription still
// waits for, or has handled within the retention.
//
// What the inbox then no longer guards against is a redelivery of an
// envelope acknowledged more than the retention ago: a consumer that
// handled it, committed, lost its acknowledgement and stayed away longer
// than the retention, or a subscription replayed from its start. The
// retention must be longer than any of those may take.
type InboxPruner interface {
	// PruneInbox moves the horizon as far as it can with records handled
	// before handledBefore, deleting theirs, and returns how many it deleted
	// and the horizon.
	PruneInbox(ctx context.Context, handledBefore time.Time) (deleted int64, horizon int64, err error)
}
