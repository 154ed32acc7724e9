package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
)

// InboxHorizon is the checkpoint holding the inbox horizon (see
// event.InboxPruner): every envelope at or below it is acknowledged.
const InboxHorizon = "event/inbox-horizon"

// pruneSpan is how many log positions one pruning transaction covers.
const pruneSpan = 1000

// holdsHorizonQuery finds, in a range of positions, the first envelope that
// some registered subscription handles and has neither an inbox record
// older than the cut (a millisecond time) nor a dead letter for: the
// horizon cannot pass it.
const holdsHorizonQuery = `SELECT MIN(l.position) FROM event_log l
	WHERE l.position > ? AND l.position <= ? AND EXISTS (
		SELECT 1 FROM event_subscriptions s
		WHERE s.topic = l.topic AND s.type = l.type
		AND NOT EXISTS (SELECT 1 FROM event_inbox i
			WHERE i.subscription = s.name AND i.event_id = l.id AND i.handled_at < ?)
		AND NOT EXISTS (SELECT 1 FROM event_dead_letters d
			WHERE d.subscription = s.name AND d.message_key = l.id))`

// PruneInbox moves the inbox horizon past the envelopes every registered
// subscription acknowledged before handledBefore and deletes their inbox
// records, one span of positions per transaction; see event.InboxPruner.
// While no subscription is registered nothing is known to be acknowledged
// and nothing is pruned. Records of ids the log does not hold (messages
// from outside it) are kept. Several processes may prune at once: deletes
// repeat harmlessly and the horizon never moves back.
func (s *Store) PruneInbox(ctx context.Context, handledBefore time.Time) (deleted, horizon int64, err error) {
	if horizon, err = s.Checkpoint(ctx, InboxHorizon); err != nil {
		return 0, 0, err
	}
	var subs int
	if err := s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM event_subscriptions`).Scan(&subs); err != nil {
		return 0, horizon, fmt.Errorf("prune inbox: subscriptions: %w", err)
	}
	if subs == 0 {
		return 0, horizon, nil
	}
	var head int64
	if err := s.Read().QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM event_log`).Scan(&head); err != nil {
		return 0, horizon, fmt.Errorf("prune inbox: log head: %w", err)
	}
	cut := handledBefore.UTC().UnixMilli()
	for horizon < head {
		if err := ctx.Err(); err != nil {
			return deleted, horizon, err
		}
		until := min(horizon+pruneSpan, head)
		var held sql.NullInt64
		if err := s.Read().QueryRowContext(ctx, holdsHorizonQuery, horizon, until, cut).Scan(&held); err != nil {
			return deleted, horizon, fmt.Errorf("prune inbox (%d, %d]: %w", horizon, until, err)
		}
		if held.Valid {
			until = held.Int64 - 1
		}
		if until <= horizon {
			break
		}
		n, err := s.pruneRange(ctx, horizon, until, cut)
		deleted += n
		if err != nil {
			return deleted, horizon, err
		}
		horizon = until
		if held.Valid {
			break
		}
	}
	return deleted, horizon, nil
}

// pruneRange deletes the registered subscriptions' inbox records of the
// envelopes in (after, until], handled before cut, and moves the horizon
// to until, in one transaction.
func (s *Store) pruneRange(ctx context.Context, after, until, cut int64) (int64, error) {
	var deleted int64
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		deleted = 0
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT name FROM event_subscriptions ORDER BY name`)
		if err != nil {
			return err
		}
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			names = append(names, n)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, name := range names {
			res, err := tx.ExecContext(ctx, `DELETE FROM event_inbox WHERE subscription = ? AND handled_at < ?
				AND event_id IN (SELECT id FROM event_log WHERE position > ? AND position <= ?)`, name, cut, after, until)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			deleted += n
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO event_checkpoints (name, position) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET position = excluded.position
			WHERE excluded.position > event_checkpoints.position`, InboxHorizon, until)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune inbox (%d, %d]: %w", after, until, err)
	}
	return deleted, nil
}
