package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/banchan/banchan/event"
)

const logColumns = `position, id, topic, stream, version, type, source, subject, time,
	correlation_id, causation_id, traceparent, data`

// ReadLog returns envelopes after a position, in order; see event.Log.
func (s *Store) ReadLog(ctx context.Context, after int64, limit int) ([]event.Envelope, error) {
	rows, err := s.Read().QueryContext(ctx, `SELECT `+logColumns+` FROM event_log
		WHERE position > ? ORDER BY position LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read log after %d: %w", after, err)
	}
	return scanEnvelopes(rows)
}

func scanEnvelopes(rows *sql.Rows) ([]event.Envelope, error) {
	defer rows.Close()
	var out []event.Envelope
	for rows.Next() {
		var e event.Envelope
		var t, data string
		if err := rows.Scan(&e.Position, &e.ID, &e.Topic, &e.Stream, &e.Version, &e.Type, &e.Source,
			&e.Subject, &t, &e.CorrelationID, &e.CausationID, &e.TraceParent, &data); err != nil {
			return nil, fmt.Errorf("scan log: %w", err)
		}
		var err error
		if e.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
			return nil, fmt.Errorf("log position %d: time %q: %w", e.Position, t, err)
		}
		e.SpecVersion, e.DataContentType, e.Data = event.SpecVersion, "application/json", []byte(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Checkpoint returns a named position (0 if never set).
func (s *Store) Checkpoint(ctx context.Context, name string) (int64, error) {
	var pos int64
	err := s.Read().QueryRowContext(ctx, `SELECT position FROM event_checkpoints WHERE name = ?`, name).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("checkpoint %s: %w", name, err)
	}
	return pos, nil
}

// SetCheckpoint stores a named position. It never moves a checkpoint back.
func (s *Store) SetCheckpoint(ctx context.Context, name string, position int64) error {
	return s.SetCheckpoints(ctx, map[string]int64{name: position})
}

// SetCheckpoints stores named positions in one transaction; like
// SetCheckpoint, it never moves one back.
func (s *Store) SetCheckpoints(ctx context.Context, positions map[string]int64) error {
	names := slices.Sorted(maps.Keys(positions))
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		for _, name := range names {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_checkpoints (name, position) VALUES (?, ?)
				ON CONFLICT (name) DO UPDATE SET position = excluded.position
				WHERE excluded.position > event_checkpoints.position`, name, positions[name]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set checkpoints %s: %w", strings.Join(names, ", "), err)
	}
	return nil
}

// QueryLog returns the envelopes that match q, in position order; see
// event.LogReader. Limit defaults to 100.
func (s *Store) QueryLog(ctx context.Context, q event.LogQuery) ([]event.Envelope, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	where, args := []string{"position > ?"}, []any{q.After}
	if q.Until > 0 {
		where, args = append(where, "position <= ?"), append(args, q.Until)
	}
	if q.AfterVersion > 0 {
		where, args = append(where, "version > ?"), append(args, q.AfterVersion)
	}
	if len(q.Types) > 0 {
		marks := strings.Repeat(", ?", len(q.Types))[2:]
		where = append(where, "type IN ("+marks+")")
		for _, t := range q.Types {
			args = append(args, t)
		}
	}
	for _, f := range []struct{ col, val string }{{"type", q.Type}, {"correlation_id", q.CorrelationID},
		{"stream", q.Stream}, {"subject", q.Subject}} {
		if f.val != "" {
			where, args = append(where, f.col+" = ?"), append(args, f.val)
		}
	}
	rows, err := s.Read().QueryContext(ctx, `SELECT `+logColumns+` FROM event_log WHERE `+
		strings.Join(where, " AND ")+` ORDER BY position LIMIT ?`, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("query log: %w", err)
	}
	return scanEnvelopes(rows)
}

// DurablePosition is the last log position known to be on disk, with
// Options.Sync (commits are visible to readers a sync before they are
// durable); without, every committed position is (math.MaxInt64). The
// outbox relay publishes only up to it, so that nothing leaves the store
// that a power loss could take back.
func (s *Store) DurablePosition() int64 {
	if s.opts.GroupCommit && s.opts.Sync != nil {
		return s.durable.Load()
	}
	return math.MaxInt64
}

// Head returns the last committed position; see event.LogReader.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var head int64
	if err := s.Read().QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM event_log`).Scan(&head); err != nil {
		return 0, fmt.Errorf("log head: %w", err)
	}
	return head, nil
}
