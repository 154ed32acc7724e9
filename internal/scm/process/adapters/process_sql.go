package adapters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/process/domain"
	"github.com/banchan/banchan/internal/scm/sqltime"
	"github.com/banchan/banchan/internal/scm/txn"
)

// Processes is the SQL repository of order processes and their deadlines.
type Processes struct{}

// Load reads an order's process; found is false for an order never seen.
func (Processes) Load(ctx context.Context, q event.Querier, orderID string) (*domain.Process, bool, error) {
	p := domain.New(orderID, "")
	err := q.QueryRowContext(ctx, `SELECT stage, allocation, correlation_id, updated_at, version
		FROM scm_process_orders WHERE order_id = ?`, orderID).
		Scan(&p.Stage, &p.Allocation, &p.Correlation, sqltime.Into(&p.UpdatedAt), &p.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("process %s: %w", orderID, err)
	}
	return p, true, nil
}

// Save writes the process and its new history entries, provided nobody
// saved it since it was loaded (else event.ErrConcurrency).
func (Processes) Save(ctx context.Context, tx event.Tx, p *domain.Process) error {
	var res sql.Result
	var err error
	if p.Version == 0 {
		res, err = tx.ExecContext(ctx, `INSERT INTO scm_process_orders (order_id, stage, allocation, correlation_id,
			updated_at, version) VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (order_id) DO NOTHING`,
			p.OrderID, p.Stage, p.Allocation, p.Correlation, sqltime.Format(p.UpdatedAt))
	} else {
		res, err = tx.ExecContext(ctx, `UPDATE scm_process_orders SET stage = ?, allocation = ?, updated_at = ?,
			version = version + 1 WHERE order_id = ? AND version = ?`,
			p.Stage, p.Allocation, sqltime.Format(p.UpdatedAt), p.OrderID, p.Version)
	}
	if err := txn.Checked(res, err, "process "+p.OrderID); err != nil {
		return err
	}
	p.Version++
	for _, c := range p.Changes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO scm_process_history (order_id, seq, stage, at)
			SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ? FROM scm_process_history WHERE order_id = ?`,
			p.OrderID, c.Stage, sqltime.Format(c.At), p.OrderID); err != nil {
			return fmt.Errorf("process %s history: %w", p.OrderID, err)
		}
	}
	p.Changes = nil
	return nil
}

// History lists an order's stage changes, oldest first: the first one and
// the latest max-1 (an order moved between ALLOCATED and BACKORDERED by
// every stock change could have any number), and how many between them it
// leaves out.
func (Processes) History(ctx context.Context, q event.Querier, orderID string, max int) ([]domain.Change, int, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, stage, at FROM scm_process_history
		WHERE order_id = ? AND (seq = 1 OR seq > (SELECT COALESCE(MAX(seq), 0) FROM scm_process_history WHERE order_id = ?) - ?)
		ORDER BY seq`, orderID, orderID, max-1)
	if err != nil {
		return nil, 0, fmt.Errorf("history of %s: %w", orderID, err)
	}
	defer rows.Close()
	out := []domain.Change{}
	var last int64
	for rows.Next() {
		var c domain.Change
		if err := rows.Scan(&last, &c.Stage, sqltime.Into(&c.At)); err != nil {
			return nil, 0, fmt.Errorf("history of %s: %w", orderID, err)
		}
		out = append(out, c)
	}
	return out, int(last) - len(out), rows.Err()
}
