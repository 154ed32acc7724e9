package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
)

// tx implements event.Tx over a database/sql transaction or, for group
// commit, over the writer's connection inside a savepoint.
type tx struct {
	rebinder
	s        *Store
	locked   bool
	appended bool
	// heads, in the group-commit writer of an exclusive store, are the
	// known stream versions, and pending this job's appends (see
	// streamHeads).
	heads   *streamHeads
	pending map[string]int64
}

// Append adds envelopes to the log; see event.Tx.
func (t *tx) Append(ctx context.Context, envs ...event.Envelope) error {
	if len(envs) == 0 {
		return nil
	}
	if err := t.lockAppend(ctx); err != nil {
		return err
	}
	for _, e := range envs {
		if err := t.appendOne(ctx, e); err != nil {
			return err
		}
	}
	t.appended = true
	return nil
}

func (t *tx) lockAppend(ctx context.Context) error {
	if t.locked || t.s.d.LockAppend == "" {
		return nil
	}
	if _, err := t.q.ExecContext(ctx, t.s.d.LockAppend); err != nil {
		return fmt.Errorf("%s: lock log: %w", t.s.d.Name, err)
	}
	t.locked = true
	return nil
}

func (t *tx) appendOne(ctx context.Context, e event.Envelope) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if e.Topic == "" || e.Stream == "" {
		return fmt.Errorf("append %s %s: %w: topic and stream are required", e.Type, e.ID, event.ErrInvalidEnvelope)
	}
	if t.heads == nil {
		return t.insert(ctx, e)
	}
	current, fromMemory := t.head(e.Stream)
	for {
		if !fromMemory {
			if err := t.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM event_log WHERE stream = ?`,
				e.Stream).Scan(&current); err != nil {
				return fmt.Errorf("append %s: stream version: %w", e.Type, err)
			}
		}
		next := e
		if next.Version == 0 {
			next.Version = current + 1
		}
		err := t.insertAt(ctx, next, current)
		if err == nil {
			if t.pending == nil {
				t.pending = map[string]int64{}
			}
			t.pending[e.Stream] = next.Version
			return nil
		}
		t.forgetHead(e.Stream)
		if !fromMemory || !errors.Is(err, event.ErrConcurrency) {
			return err
		}
		// The memory may be behind the log (a row put in by other
		// means): read the stream's version and try once more.
		fromMemory = false
	}
}

// insert appends e taking the stream's next version in the same
// statement, or at e.Version after checking it (without memory).
func (t *tx) insert(ctx context.Context, e event.Envelope) error {
	if e.Version != 0 {
		var current int64
		if err := t.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM event_log WHERE stream = ?`,
			e.Stream).Scan(&current); err != nil {
			return fmt.Errorf("append %s: stream version: %w", e.Type, err)
		}
		return t.insertAt(ctx, e, current)
	}
	// Next version in the same statement: one round trip per event.
	res, err := t.ExecContext(ctx, `INSERT INTO event_log
		(id, topic, stream, version, type, source, subject, time, correlation_id, causation_id, traceparent, data)
		SELECT ?, ?, ?, COALESCE(MAX(version), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?
		FROM event_log WHERE stream = ? ON CONFLICT DO NOTHING`,
		e.ID, e.Topic, e.Stream, e.Type, e.Source, e.Subject, e.Time.UTC().Format(time.RFC3339Nano),
		e.CorrelationID, e.CausationID, e.TraceParent, string(e.Data), e.Stream)
	return inserted(e, res, err)
}

// insertAt appends e at e.Version, which must follow current.
func (t *tx) insertAt(ctx context.Context, e event.Envelope, current int64) error {
	if e.Version != current+1 {
		return fmt.Errorf("append %s to %s at version %d (stream is at %d): %w",
			e.Type, e.Stream, e.Version, current, event.ErrConcurrency)
	}
	res, err := t.ExecContext(ctx, `INSERT INTO event_log
		(id, topic, stream, version, type, source, subject, time, correlation_id, causation_id, traceparent, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		e.ID, e.Topic, e.Stream, e.Version, e.Type, e.Source, e.Subject, e.Time.UTC().Format(time.RFC3339Nano),
		e.CorrelationID, e.CausationID, e.TraceParent, string(e.Data))
	return inserted(e, res, err)
}

func inserted(e event.Envelope, res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("append %s: %w", e.Type, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// Either the id is already in the log or another writer took the
		// version: both mean this append must not happen.
		return fmt.Errorf("append %s %s to %s: %w", e.Type, e.ID, e.Stream, event.ErrConcurrency)
	}
	return nil
}

// head is the stream's version as this job knows it without reading the
// log: its own appends first, then the writer's memory.
func (t *tx) head(stream string) (int64, bool) {
	if t.heads == nil {
		return 0, false
	}
	if v, ok := t.pending[stream]; ok {
		return v, true
	}
	return t.heads.get(stream)
}

// forgetHead drops what is known of a stream after the log refused an
// append to it (the job fails, and the memory may be ahead of the log).
func (t *tx) forgetHead(stream string) {
	if t.heads != nil {
		delete(t.pending, stream)
		t.heads.forget(stream)
	}
}

// ReadStream returns a stream's envelopes after a version, in version
// order, as this transaction sees them; see event.StreamReader.
func (t *tx) ReadStream(ctx context.Context, stream string, afterVersion int64, limit int) ([]event.Envelope, error) {
	rows, err := t.QueryContext(ctx, `SELECT `+logColumns+` FROM event_log
		WHERE stream = ? AND version > ? ORDER BY version LIMIT ?`, stream, afterVersion, limit)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", stream, err)
	}
	return scanEnvelopes(rows)
}

// MarkHandled records (subscription, event id) in the inbox; see event.Tx.
func (t *tx) MarkHandled(ctx context.Context, subscription, eventID string) (bool, error) {
	res, err := t.ExecContext(ctx, `INSERT INTO event_inbox (subscription, event_id, handled_at)
		VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, subscription, eventID, time.Now().UTC().UnixMilli())
	if err != nil {
		return false, fmt.Errorf("inbox %s %s: %w", subscription, eventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("inbox %s %s: %w", subscription, eventID, err)
	}
	return n == 1, nil
}

// Lock takes a transaction-scoped lock on key; see event.Tx.
func (t *tx) Lock(ctx context.Context, key string) error {
	if t.s.d.LockKey == "" {
		return nil
	}
	if _, err := t.ExecContext(ctx, t.s.d.LockKey, key); err != nil {
		return fmt.Errorf("%s: lock %s: %w", t.s.d.Name, key, err)
	}
	return nil
}
