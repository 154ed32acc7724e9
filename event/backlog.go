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

// InboxPruner bounds the inboxes. Each subscription has an inbox horizon,
// a log position that only moves forward: every envelope up to it that the
// subscription handles it has acknowledged (an inbox record or a dead
// letter), each record older than a retention. Those records are deleted;
// the backlog counts what is at or below a subscription's horizon as
// acknowledged by it, so a broker's lost storage does not bring it back,
// and the inbox knows an envelope of the log at or below it as handled, so
// a redelivery (a consumer replayed from the stream's start) changes
// nothing. A horizon stops at the first envelope its subscription still
// waits for, or handled within the retention; a subscription registered
// later starts at 0 and sees the whole log.
//
// What the inbox then no longer guards against is a redelivery, more than
// the retention after its acknowledgement, of a message that is not in the
// store's own log at the position it carries (one from another store).
type InboxPruner interface {
	// PruneInbox moves every registered subscription's horizon as far as
	// records handled before handledBefore allow, deleting theirs, and
	// returns how many it deleted and the lowest horizon.
	PruneInbox(ctx context.Context, handledBefore time.Time) (deleted int64, lowest int64, err error)
}
