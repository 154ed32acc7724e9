package sqlstore

import (
	"context"
	"fmt"

	"github.com/banchan/banchan/event"
)

// RegisterSubscription records the topics and types subscription name
// handles; see event.SubscriptionRegistry.
func (s *Store) RegisterSubscription(ctx context.Context, name string, topics, types []string) error {
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		for _, topic := range topics {
			for _, typ := range types {
				if _, err := tx.ExecContext(ctx, `INSERT INTO event_subscriptions (name, topic, type)
					VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, name, topic, typ); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("register subscription %s: %w", name, err)
	}
	return nil
}

// unacknowledgedQuery selects the envelopes of a position range that some
// registered subscription handles and has neither handled (inbox, or at
// or below its inbox horizon) nor given up on (dead letter; its message
// key is the event id); all of them while no subscription is registered.
const unacknowledgedQuery = `SELECT ` + logColumns + ` FROM event_log l
	WHERE l.position > ? AND l.position <= ? AND (NOT EXISTS (SELECT 1 FROM event_subscriptions) OR EXISTS (
		SELECT 1 FROM event_subscriptions s
		WHERE s.topic = l.topic AND s.type = l.type
		AND NOT EXISTS (SELECT 1 FROM event_checkpoints h
			WHERE h.name = '` + InboxHorizonPrefix + `' || s.name AND h.position >= l.position)
		AND NOT EXISTS (SELECT 1 FROM event_inbox i WHERE i.subscription = s.name AND i.event_id = l.id)
		AND NOT EXISTS (SELECT 1 FROM event_dead_letters d
			WHERE d.subscription = s.name AND d.message_key = l.id)))
	ORDER BY l.position`

// Unacknowledged returns what registered subscriptions still wait for in
// (after, until], above its inbox horizon; see event.Backlog.
func (s *Store) Unacknowledged(ctx context.Context, after, until int64) ([]event.Envelope, int, error) {
	var logged int
	if err := s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM event_log WHERE position > ? AND position <= ?`,
		after, until).Scan(&logged); err != nil {
		return nil, 0, fmt.Errorf("count log (%d, %d]: %w", after, until, err)
	}
	rows, err := s.Read().QueryContext(ctx, unacknowledgedQuery, after, until)
	if err != nil {
		return nil, 0, fmt.Errorf("unacknowledged (%d, %d]: %w", after, until, err)
	}
	envs, err := scanEnvelopes(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("unacknowledged (%d, %d]: %w", after, until, err)
	}
	return envs, logged, nil
}

// ResetCheckpoint stores a named position even if it is lower than the one
// stored (SetCheckpoint never moves a checkpoint back): for values that
// identify something rather than count progress.
func (s *Store) ResetCheckpoint(ctx context.Context, name string, position int64) error {
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO event_checkpoints (name, position) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET position = excluded.position`, name, position)
		return err
	})
	if err != nil {
		return fmt.Errorf("reset checkpoint %s: %w", name, err)
	}
	return nil
}
