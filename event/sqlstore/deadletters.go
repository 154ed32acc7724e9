package sqlstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
)

const dlColumns = `id, subscription, handler, event_id, event_type, subject, reason, attempts, failed_at, payload, message_key`

// timeLayout writes failed_at with all nine fractional digits: the column is
// text and lists sort by it, and RFC3339Nano's trimmed fractions do not sort
// in time order ("12:00:00.1Z" sorts after "12:00:00.15Z").
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// PutDeadLetter stores or updates a dead letter; see event.DeadLetterStore.
func (s *Store) PutDeadLetter(ctx context.Context, d event.DeadLetter) (event.DeadLetter, error) {
	if d.ID == "" {
		d.ID = event.NewID()
	}
	if d.FailedAt.IsZero() {
		d.FailedAt = time.Now().UTC()
	}
	key := cmp.Or(d.Key, d.EventID)
	if key == "" {
		sum := sha256.Sum256(d.Payload)
		key = "sha256:" + hex.EncodeToString(sum[:])
	}
	accumulate := 0
	if d.Accumulate {
		accumulate = 1
	}
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_dead_letters
		(id, subscription, message_key, handler, event_id, event_type, subject, reason, attempts, failed_at, payload)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (subscription, message_key) DO UPDATE SET reason = excluded.reason,
		attempts = CASE WHEN ? = 1 THEN event_dead_letters.attempts + excluded.attempts ELSE excluded.attempts END,
		failed_at = excluded.failed_at, handler = excluded.handler`,
			d.ID, d.Subscription, key, d.Handler, d.EventID, d.EventType, d.Subject, d.Reason, d.Attempts,
			d.FailedAt.UTC().Format(timeLayout), d.Payload, accumulate); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT id, attempts FROM event_dead_letters WHERE subscription = ? AND message_key = ?`,
			d.Subscription, key).Scan(&d.ID, &d.Attempts)
	})
	if err != nil {
		return event.DeadLetter{}, fmt.Errorf("put dead letter: %w", err)
	}
	return d, nil
}

// DeadLetters lists dead letters, oldest first.
func (s *Store) DeadLetters(ctx context.Context, subscription string, limit int) ([]event.DeadLetter, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.Read().QueryContext(ctx, `SELECT `+dlColumns+` FROM event_dead_letters
		WHERE (? = '' OR subscription = ?) ORDER BY failed_at, id LIMIT ?`, subscription, subscription, limit)
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	defer rows.Close()
	var out []event.DeadLetter
	for rows.Next() {
		d, err := scanDeadLetter(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeadLetter returns one dead letter or event.ErrNotFound.
func (s *Store) DeadLetter(ctx context.Context, id string) (event.DeadLetter, error) {
	rows, err := s.Read().QueryContext(ctx, `SELECT `+dlColumns+` FROM event_dead_letters WHERE id = ?`, id)
	if err != nil {
		return event.DeadLetter{}, fmt.Errorf("dead letter %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return event.DeadLetter{}, err
		}
		return event.DeadLetter{}, fmt.Errorf("dead letter %s: %w", id, event.ErrNotFound)
	}
	return scanDeadLetter(rows)
}

// DeleteDeadLetter removes one dead letter or reports event.ErrNotFound.
func (s *Store) DeleteDeadLetter(ctx context.Context, id string) error {
	var n int64
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM event_dead_letters WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("delete dead letter %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("dead letter %s: %w", id, event.ErrNotFound)
	}
	return nil
}

func scanDeadLetter(rows *sql.Rows) (event.DeadLetter, error) {
	var d event.DeadLetter
	var at string
	if err := rows.Scan(&d.ID, &d.Subscription, &d.Handler, &d.EventID, &d.EventType, &d.Subject,
		&d.Reason, &d.Attempts, &at, &d.Payload, &d.Key); err != nil {
		return d, fmt.Errorf("scan dead letter: %w", err)
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return d, errors.Join(fmt.Errorf("dead letter %s: bad time %q", d.ID, at), err)
	}
	d.FailedAt = t
	return d, nil
}
