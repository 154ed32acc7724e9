package adapters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/banchan/banchan/internal/scm/sqlfilter"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/kitchen/domain"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/sqltime"
	"github.com/banchan/banchan/internal/scm/txn"
)

// Kitchen orders' statuses (the kitchen's own record of an order).
const (
	OrderOpen      = "OPEN"      // tasks to cook
	OrderCooked    = "COOKED"    // every task done, or nothing to cook
	OrderCancelled = "CANCELLED" // cancelled, possibly before it was allocated
)

// Tasks is the SQL repository of cook tasks, kitchen orders and item settings.
type Tasks struct{}

const taskColumns = `SELECT id, order_id, item_code, qty, status, created_at, started_at, done_at, updated_at,
	version, correlation_id FROM scm_kitchen_tasks `

// Insert adds a new task.
func (Tasks) Insert(ctx context.Context, tx event.Tx, t domain.Task) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO scm_kitchen_tasks (id, order_id, item_code, qty, status, created_at,
		started_at, done_at, updated_at, version, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
		t.ID, t.OrderID, t.ItemCode, t.Qty, t.Status, sqltime.Format(t.CreatedAt), sqltime.Format(t.StartedAt),
		sqltime.Format(t.DoneAt), sqltime.Format(t.UpdatedAt), t.Correlation)
	if err != nil {
		return fmt.Errorf("insert task %s: %w", t.ID, err)
	}
	return nil
}

// Save writes a task's status and times, provided nobody saved it since it
// was loaded (else event.ErrConcurrency).
func (Tasks) Save(ctx context.Context, tx event.Tx, t *domain.Task) error {
	res, err := tx.ExecContext(ctx, `UPDATE scm_kitchen_tasks SET status = ?, started_at = ?, done_at = ?,
		updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`, t.Status, sqltime.Format(t.StartedAt),
		sqltime.Format(t.DoneAt), sqltime.Format(t.UpdatedAt), t.ID, t.Version)
	if err := txn.Checked(res, err, "task "+t.ID); err != nil {
		return err
	}
	t.Version++
	return nil
}

// Get returns one task, or messages.ErrNotFound.
func (Tasks) Get(ctx context.Context, q event.Querier, id string) (domain.Task, error) {
	ts, err := queryTasks(ctx, q, taskColumns+`WHERE id = ?`, id)
	if err != nil {
		return domain.Task{}, err
	}
	if len(ts) == 0 {
		return domain.Task{}, messages.NotFound("task", id)
	}
	return ts[0], nil
}

// Filter selects tasks; empty fields select all.
type Filter struct {
	OrderID string
	Status  string
	Limit   int
}

// List returns tasks, oldest first.
func (Tasks) List(ctx context.Context, q event.Querier, f Filter) ([]domain.Task, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	where, args := sqlfilter.Where(sqlfilter.Eq{Column: "order_id", Value: f.OrderID},
		sqlfilter.Eq{Column: "status", Value: f.Status})
	return queryTasks(ctx, q, taskColumns+where+`ORDER BY created_at, id LIMIT ?`, append(args, f.Limit)...)
}

func queryTasks(ctx context.Context, q event.Querier, query string, args ...any) ([]domain.Task, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query tasks: %w", err)
	}
	defer rows.Close()
	var out []domain.Task
	for rows.Next() {
		var t domain.Task
		if err := rows.Scan(&t.ID, &t.OrderID, &t.ItemCode, &t.Qty, &t.Status, sqltime.Into(&t.CreatedAt),
			sqltime.Into(&t.StartedAt), sqltime.Into(&t.DoneAt), sqltime.Into(&t.UpdatedAt), &t.Version,
			&t.Correlation); err != nil {
			return nil, fmt.Errorf("scan task: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Order is the kitchen's record of a fulfilment order.
type Order struct {
	ID          string
	Status      string
	Correlation string
}

// AddOrder records an order the kitchen takes in; it reports false (and
// changes nothing) when the kitchen knows the order already.
func (Tasks) AddOrder(ctx context.Context, tx event.Tx, o Order, now time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO scm_kitchen_orders (order_id, status, correlation_id, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (order_id) DO NOTHING`, o.ID, o.Status, o.Correlation, sqltime.Format(now))
	if err != nil {
		return false, fmt.Errorf("kitchen order %s: %w", o.ID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// MoveOrder changes an order's status from one to another; it reports
// false when the order was not in status from.
func (Tasks) MoveOrder(ctx context.Context, tx event.Tx, orderID, from, to string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE scm_kitchen_orders SET status = ? WHERE order_id = ? AND status = ?`,
		to, orderID, from)
	if err != nil {
		return false, fmt.Errorf("kitchen order %s: %w", orderID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// OrderStatus returns the kitchen's status of an order ("" if unknown).
func (Tasks) OrderStatus(ctx context.Context, q event.Querier, orderID string) (string, error) {
	var s string
	err := q.QueryRowContext(ctx, `SELECT status FROM scm_kitchen_orders WHERE order_id = ?`, orderID).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return s, err
}

// SetItem stores an item's setting.
func (Tasks) SetItem(ctx context.Context, tx event.Tx, it domain.Item, now time.Time) error {
	cook := 0
	if it.Cook {
		cook = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO scm_kitchen_items (item_code, cook, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (item_code) DO UPDATE SET cook = excluded.cook, updated_at = excluded.updated_at`,
		it.ItemCode, cook, sqltime.Format(now))
	if err != nil {
		return fmt.Errorf("item %s: %w", it.ItemCode, err)
	}
	return nil
}

// Item returns an item's setting, or the default for an unconfigured one.
func (Tasks) Item(ctx context.Context, q event.Querier, code string) (domain.Item, error) {
	var cook int
	err := q.QueryRowContext(ctx, `SELECT cook FROM scm_kitchen_items WHERE item_code = ?`, code).Scan(&cook)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.DefaultItem(code), nil
	}
	if err != nil {
		return domain.Item{}, fmt.Errorf("item %s: %w", code, err)
	}
	return domain.Item{ItemCode: code, Cook: cook == 1, Configured: true}, nil
}
