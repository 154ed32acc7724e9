package adapters

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/process/domain"
	"github.com/banchan/banchan/internal/scm/sqltime"
)

const deadlineColumns = `SELECT order_id, stage, due_at, fired, correlation_id, causation_id FROM scm_process_deadlines `

// SetDeadline stores a deadline; one already set for the order and stage
// is kept (a repeat changes nothing).
func (Processes) SetDeadline(ctx context.Context, tx event.Tx, d domain.Deadline) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO scm_process_deadlines (order_id, stage, due_at, fired, correlation_id,
		causation_id) VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (order_id, stage) DO NOTHING`,
		d.OrderID, d.Stage, sqltime.Format(d.DueAt), d.CorrelationID, d.CausationID)
	if err != nil {
		return fmt.Errorf("deadline %s/%s: %w", d.OrderID, d.Stage, err)
	}
	return nil
}

// ClearDeadlines removes an order's pending deadlines of these stages (or
// all of them); fired ones stay, as the record of a delay.
func (Processes) ClearDeadlines(ctx context.Context, tx event.Tx, orderID string, stages []string, all bool) error {
	if !all && len(stages) == 0 {
		return nil
	}
	query, args := `DELETE FROM scm_process_deadlines WHERE order_id = ? AND fired = 0`, []any{orderID}
	if !all {
		query += ` AND stage IN (?` + strings.Repeat(`, ?`, len(stages)-1) + `)`
		for _, s := range stages {
			args = append(args, s)
		}
	}
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("clear deadlines of %s: %w", orderID, err)
	}
	return nil
}

// Deadlines lists an order's deadlines, soonest first.
func (Processes) Deadlines(ctx context.Context, q event.Querier, orderID string) ([]domain.Deadline, error) {
	return queryDeadlines(ctx, q, deadlineColumns+`WHERE order_id = ? ORDER BY due_at, stage`, orderID)
}

// Due lists pending deadlines due at now, soonest first.
func (Processes) Due(ctx context.Context, q event.Querier, now time.Time, limit int) ([]domain.Deadline, error) {
	return queryDeadlines(ctx, q, deadlineColumns+`WHERE fired = 0 AND due_at <= ? ORDER BY due_at, order_id LIMIT ?`,
		sqltime.Format(now), limit)
}

// Fire marks a pending deadline fired; it reports false when it was fired
// or cleared already (by another process, or before a restart).
func (Processes) Fire(ctx context.Context, tx event.Tx, d domain.Deadline) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE scm_process_deadlines SET fired = 1 WHERE order_id = ? AND stage = ? AND fired = 0`,
		d.OrderID, d.Stage)
	if err != nil {
		return false, fmt.Errorf("fire deadline %s/%s: %w", d.OrderID, d.Stage, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func queryDeadlines(ctx context.Context, q event.Querier, query string, args ...any) ([]domain.Deadline, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query deadlines: %w", err)
	}
	defer rows.Close()
	out := []domain.Deadline{}
	for rows.Next() {
		var d domain.Deadline
		var fired int
		if err := rows.Scan(&d.OrderID, &d.Stage, sqltime.Into(&d.DueAt), &fired, &d.CorrelationID, &d.CausationID); err != nil {
			return nil, fmt.Errorf("scan deadline: %w", err)
		}
		d.Fired = fired == 1
		out = append(out, d)
	}
	return out, rows.Err()
}
