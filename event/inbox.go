package event

import "context"

// TxHandler handles an envelope inside a store transaction.
type TxHandler func(ctx context.Context, tx Tx, env Envelope) error

// WithInbox makes h idempotent: h's effect and the inbox record
// (subscription, envelope id) commit in one transaction, and an envelope
// already recorded is acknowledged without calling h again; so is one of
// the store's own log below the subscription's inbox horizon, whose record
// was pruned (see InboxPruner), when the store can tell.
func WithInbox(s Store, subscription string, h TxHandler) HandlerFunc {
	return func(ctx context.Context, env Envelope) error {
		return s.Update(ctx, func(ctx context.Context, tx Tx) error {
			var first bool
			var err error
			if hi, ok := tx.(horizonInbox); ok {
				first, err = hi.MarkHandledAt(ctx, subscription, env.ID, env.Position)
			} else {
				first, err = tx.MarkHandled(ctx, subscription, env.ID)
			}
			if err != nil || !first {
				return err
			}
			return h(ctx, tx, env)
		})
	}
}

// horizonInbox is a Tx whose store prunes its inbox behind a horizon: it
// knows an envelope of its log at or below the subscription's horizon as
// handled.
type horizonInbox interface {
	MarkHandledAt(ctx context.Context, subscription, eventID string, position int64) (bool, error)
}

// Typed decodes the envelope's data into T before calling h; a payload that
// does not decode is a permanent error.
func Typed[T any](h func(ctx context.Context, tx Tx, env Envelope, data T) error) TxHandler {
	return func(ctx context.Context, tx Tx, env Envelope) error {
		var data T
		if err := env.Decode(&data); err != nil {
			return err
		}
		return h(ctx, tx, env, data)
	}
}
