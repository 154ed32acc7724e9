package projection

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
)

// Generation is one version of a projection's read model.
type Generation struct {
	Generation int64     `json:"generation"`
	Status     string    `json:"status"`
	Position   int64     `json:"position"`
	StartedAt  time.Time `json:"startedAt"`
	LiveAt     time.Time `json:"liveAt,omitzero"`
}

// state is a projection's live generation and the one being built, if any.
type state struct {
	live     Generation
	building *Generation
}

// errMoved means another runner advanced a generation first.
var errMoved = errors.New("projection moved on: another runner is applying it")

func loadState(ctx context.Context, q event.Querier, name string) (state, bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT generation, status, position, started_at, live_at
		FROM projection_generations WHERE name = ? ORDER BY generation`, name)
	if err != nil {
		return state{}, false, fmt.Errorf("projection %s: load generations: %w", name, err)
	}
	defer rows.Close()
	var st state
	found := false
	for rows.Next() {
		g, err := scanGeneration(rows)
		if err != nil {
			return state{}, false, fmt.Errorf("projection %s: %w", name, err)
		}
		switch g.Status {
		case StatusLive:
			st.live, found = g, true
		case StatusBuilding:
			st.building = &g
		}
	}
	return st, found, rows.Err()
}

func scanGeneration(rows *sql.Rows) (Generation, error) {
	var g Generation
	var started, live string
	if err := rows.Scan(&g.Generation, &g.Status, &g.Position, &started, &live); err != nil {
		return g, err
	}
	g.StartedAt, _ = time.Parse(time.RFC3339Nano, started)
	if live != "" {
		g.LiveAt, _ = time.Parse(time.RFC3339Nano, live)
	}
	return g, nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ensureLive creates generation 1, live from position 0, for a projection
// seen for the first time: a projection added later catches up from the
// beginning of the log.
func ensureLive(ctx context.Context, tx event.Tx, name string, now time.Time) error {
	_, found, err := loadState(ctx, tx, name)
	if err != nil || found {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO projection_generations
		(name, generation, status, position, started_at, live_at) VALUES (?, 1, 'live', 0, ?, ?)
		ON CONFLICT (name, generation) DO NOTHING`,
		name, stamp(now), stamp(now))
	return err
}

// advance moves a generation's checkpoint from `from` to `to`, failing with
// errMoved if it is not at `from` any more.
func advance(ctx context.Context, tx event.Tx, name string, gen, from, to int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE projection_generations SET position = ?
		WHERE name = ? AND generation = ? AND position = ?`, to, name, gen, from)
	if err != nil {
		return fmt.Errorf("projection %s: checkpoint: %w", name, err)
	}
	return expectOne(res)
}

func expectOne(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return errMoved
	}
	return nil
}

// promote makes the building generation live and deletes the old live one's
// row; the caller drops its data in the same transaction.
func promote(ctx context.Context, tx event.Tx, name string, st state, now time.Time) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM projection_generations
		WHERE name = ? AND generation = ? AND status = 'live' AND position = ?`,
		name, st.live.Generation, st.live.Position)
	if err != nil {
		return fmt.Errorf("projection %s: retire generation %d: %w", name, st.live.Generation, err)
	}
	if err := expectOne(res); err != nil {
		return err
	}
	res, err = tx.ExecContext(ctx, `UPDATE projection_generations SET status = 'live', live_at = ?
		WHERE name = ? AND generation = ? AND status = 'building' AND position = ?`,
		stamp(now), name, st.building.Generation, st.building.Position)
	if err != nil {
		return fmt.Errorf("projection %s: switch to generation %d: %w", name, st.building.Generation, err)
	}
	return expectOne(res)
}

// startBuilding adds a building generation from position 0, or returns the
// one already building.
func startBuilding(ctx context.Context, tx event.Tx, name string, now time.Time) (Generation, bool, error) {
	st, found, err := loadState(ctx, tx, name)
	if err != nil {
		return Generation{}, false, err
	}
	if !found {
		return Generation{}, false, fmt.Errorf("projection %s: %w", name, event.ErrNotFound)
	}
	if st.building != nil {
		return *st.building, false, nil
	}
	var next int64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(generation) + 1 FROM projection_generations WHERE name = ?`,
		name).Scan(&next); err != nil {
		return Generation{}, false, fmt.Errorf("projection %s: next generation: %w", name, err)
	}
	g := Generation{Generation: next, Status: StatusBuilding, StartedAt: now}
	_, err = tx.ExecContext(ctx, `INSERT INTO projection_generations (name, generation, status, position, started_at)
		VALUES (?, ?, 'building', 0, ?)`, name, next, stamp(now))
	if err != nil {
		return Generation{}, false, fmt.Errorf("projection %s: start generation %d: %w", name, next, err)
	}
	return g, true, nil
}
