package event

import "context"

// TxHandler handles an envelope inside a store transaction.
type TxHandler func(ctx context.Context, tx Tx, env Envelope) error

// WithInbox makes h idempotent: h's effect and the inbox record
// (subscription, envelope id) commit in one transaction, and an envelope
// already recorded is acknowledged without calling h again.
func WithInbox(s Store, subscription string, h TxHandler) HandlerFunc {
	return func(ctx context.Context, env Envelope) error {
		return s.Update(ctx, func(ctx context.Context, tx Tx) error {
			first, err := tx.MarkHandled(ctx, subscription, env.ID)
			if err != nil || !first {
				return err
			}
			return h(ctx, tx, env)
		})
	}
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
