package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
)

// InboxHorizonPrefix starts the name of the checkpoint holding a
// subscription's inbox horizon (see event.InboxPruner): every envelope at
// or below it that the subscription handles is acknowledged by it.
const InboxHorizonPrefix = "event/inbox-horizon/"

// pruneSpan is how many log positions one pruning transaction covers.
const pruneSpan = 1000

// holdsHorizonQuery finds, in a range of positions, the first envelope that
// a subscription handles and has neither an inbox record older than the
// cut (a millisecond time) nor a dead letter for: its horizon cannot pass
// it.
const holdsHorizonQuery = `SELECT MIN(l.position) FROM event_log l
	WHERE l.position > ? AND l.position <= ?
	AND EXISTS (SELECT 1 FROM event_subscriptions s WHERE s.name = ? AND s.topic = l.topic AND s.type = l.type)
	AND NOT EXISTS (SELECT 1 FROM event_inbox i WHERE i.subscription = ? AND i.event_id = l.id AND i.handled_at < ?)
	AND NOT EXISTS (SELECT 1 FROM event_dead_letters d WHERE d.subscription = ? AND d.message_key = l.id)`

// prunedQuery tells whether an envelope just recorded in a subscription's
// inbox is the log's own at its position, at or below the subscription's
// horizon, and not a dead letter being redriven: then it was handled
// before and its record pruned.
const prunedQuery = `SELECT COUNT(*) FROM event_checkpoints h JOIN event_log l ON l.position = ? AND l.id = ?
	WHERE h.name = ? AND h.position >= l.position
	AND NOT EXISTS (SELECT 1 FROM event_dead_letters d WHERE d.subscription = ? AND d.message_key = l.id)`

// MarkHandledAt is MarkHandled for an envelope read from this store's log
// at position: one at or below the subscription's inbox horizon was
// handled and its record pruned, so it is reported as handled (false) and
// leaves no record. One the log does not hold at that position (a message
// from elsewhere), and a dead letter being redriven, are recorded as by
// MarkHandled.
//
// The record is written first and the horizon read after it, in the same
// transaction: a pruning that deleted the record concurrently has
// committed by then (the insert waited for it on PostgreSQL; SQLite runs
// one transaction at a time), so the horizon read is never older than the
// deletion.
func (t *tx) MarkHandledAt(ctx context.Context, subscription, eventID string, position int64) (bool, error) {
	first, err := t.MarkHandled(ctx, subscription, eventID)
	if err != nil || !first || position <= 0 {
		return first, err
	}
	var pruned int
	if err := t.QueryRowContext(ctx, prunedQuery, position, eventID, InboxHorizonPrefix+subscription, subscription).
		Scan(&pruned); err != nil {
		return false, fmt.Errorf("inbox %s %s: horizon: %w", subscription, eventID, err)
	}
	if pruned == 0 {
		return true, nil
	}
	if _, err := t.ExecContext(ctx, `DELETE FROM event_inbox WHERE subscription = ? AND event_id = ?`,
		subscription, eventID); err != nil {
		return false, fmt.Errorf("inbox %s %s: %w", subscription, eventID, err)
	}
	return false, nil
}

// PruneInbox moves each registered subscription's inbox horizon past the
// envelopes it acknowledged before handledBefore and deletes their inbox
// records, one span of positions per transaction; see event.InboxPruner.
// It returns how many records it deleted and the lowest horizon. Records
// of ids the log does not hold (messages from outside it) are kept.
// Several processes may prune at once: deletes repeat harmlessly and a
// horizon never moves back.
func (s *Store) PruneInbox(ctx context.Context, handledBefore time.Time) (deleted, lowest int64, err error) {
	names, err := s.subscriptionNames(ctx)
	if err != nil || len(names) == 0 {
		return 0, 0, err
	}
	var head int64
	if err := s.Read().QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM event_log`).Scan(&head); err != nil {
		return 0, 0, fmt.Errorf("prune inbox: log head: %w", err)
	}
	cut := handledBefore.UTC().UnixMilli()
	for i, name := range names {
		n, h, err := s.pruneSubscription(ctx, name, head, cut)
		deleted += n
		if err != nil {
			return deleted, 0, err
		}
		if i == 0 || h < lowest {
			lowest = h
		}
	}
	return deleted, lowest, nil
}

func (s *Store) subscriptionNames(ctx context.Context) ([]string, error) {
	rows, err := s.Read().QueryContext(ctx, `SELECT DISTINCT name FROM event_subscriptions ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("prune inbox: subscriptions: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("prune inbox: subscriptions: %w", err)
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// pruneSubscription moves one subscription's horizon towards head.
func (s *Store) pruneSubscription(ctx context.Context, name string, head, cut int64) (deleted, horizon int64, err error) {
	if horizon, err = s.Checkpoint(ctx, InboxHorizonPrefix+name); err != nil {
		return 0, 0, err
	}
	for horizon < head {
		if err := ctx.Err(); err != nil {
			return deleted, horizon, err
		}
		until := min(horizon+pruneSpan, head)
		var held sql.NullInt64
		if err := s.Read().QueryRowContext(ctx, holdsHorizonQuery, horizon, until, name, name, cut, name).Scan(&held); err != nil {
			return deleted, horizon, fmt.Errorf("prune inbox of %s (%d, %d]: %w", name, horizon, until, err)
		}
		if held.Valid {
			until = held.Int64 - 1
		}
		if until > horizon {
			n, err := s.pruneRange(ctx, name, horizon, until, cut)
			deleted += n
			if err != nil {
				return deleted, horizon, err
			}
			horizon = until
		}
		if held.Valid {
			break
		}
	}
	return deleted, horizon, nil
}

// pruneRange deletes the subscription's inbox records of the envelopes in
// (after, until], handled before cut, and moves its horizon to until, in
// one transaction.
func (s *Store) pruneRange(ctx context.Context, name string, after, until, cut int64) (int64, error) {
	var deleted int64
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM event_inbox WHERE subscription = ? AND handled_at < ?
			AND event_id IN (SELECT id FROM event_log WHERE position > ? AND position <= ?)`, name, cut, after, until)
		if err != nil {
			return err
		}
		deleted, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `INSERT INTO event_checkpoints (name, position) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET position = excluded.position
			WHERE excluded.position > event_checkpoints.position`, InboxHorizonPrefix+name, until)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune inbox of %s (%d, %d]: %w", name, after, until, err)
	}
	return deleted, nil
}
