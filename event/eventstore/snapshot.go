package eventstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
)

var migrations = []string{`CREATE TABLE event_snapshots (
	kind     TEXT NOT NULL,
	stream   TEXT NOT NULL,
	schema   BIGINT NOT NULL,
	version  BIGINT NOT NULL,
	state    TEXT NOT NULL,
	taken_at TEXT NOT NULL,
	PRIMARY KEY (kind, stream)
)`}

// loadSnapshot starts l from the stream's snapshot, if there is one of the
// current schema.
func (r *Repository[A]) loadSnapshot(ctx context.Context, q event.Querier, l *Loaded[A]) error {
	if r.cfg.SnapshotEvery == 0 {
		return nil
	}
	var version int64
	var state string
	err := q.QueryRowContext(ctx, `SELECT version, state FROM event_snapshots
		WHERE kind = ? AND stream = ? AND schema = ?`, r.cfg.Kind, l.Stream, r.cfg.SnapshotSchema).Scan(&version, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load %s: snapshot: %w", l.Stream, err)
	}
	fresh := r.cfg.New(l.Stream)
	if err := json.Unmarshal([]byte(state), &fresh); err != nil {
		// A snapshot that no longer decodes is only a lost shortcut.
		return nil
	}
	l.State, l.Version, l.SnapshotVersion = fresh, version, version
	r.stats.SnapshotLoads.Add(1)
	return nil
}

// saveSnapshot stores l's state at its version, replacing an older one.
func (r *Repository[A]) saveSnapshot(ctx context.Context, tx event.Tx, l *Loaded[A]) error {
	state, err := json.Marshal(l.State)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", l.Stream, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO event_snapshots (kind, stream, schema, version, state, taken_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, stream) DO UPDATE SET schema = excluded.schema,
		version = excluded.version, state = excluded.state, taken_at = excluded.taken_at
		WHERE excluded.version > event_snapshots.version OR excluded.schema <> event_snapshots.schema`,
		r.cfg.Kind, l.Stream, r.cfg.SnapshotSchema, l.Version, string(state), time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", l.Stream, err)
	}
	r.stats.Snapshots.Add(1)
	return nil
}
