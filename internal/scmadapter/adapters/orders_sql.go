package adapters

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/banchan/banchan/event"
)

// OrderMigrations are the adapter's per-order records; appended to
// Migrations by the service (steps are only ever appended).
var OrderMigrations = []string{`CREATE TABLE scmadapter_orders (
	order_id   TEXT PRIMARY KEY,
	forwarded  INTEGER NOT NULL,
	cancelled  INTEGER NOT NULL,
	stage_rank INTEGER NOT NULL
)`,
	// The SKU each SCM item of a forwarded order stands for (JSON), so that
	// outcomes come back under the order's own SKUs.
	`ALTER TABLE scmadapter_orders ADD COLUMN skus TEXT NOT NULL DEFAULT '{}'`}

// Orders remembers, per order, whether it went to the SCM, whether it was
// cancelled, and the furthest fulfilment stage told to ordering (so that a
// repeated or late SCM event is not passed on).
type Orders struct{}

// Forwarded records that the order was sent to the SCM, with the SKU each
// of its items stands for.
func (Orders) Forwarded(ctx context.Context, q event.Querier, orderID string, skus map[string]string) error {
	b, err := json.Marshal(skus)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO scmadapter_orders (order_id, forwarded, cancelled, stage_rank, skus)
		VALUES (?, 1, 0, 0, ?) ON CONFLICT (order_id) DO UPDATE SET forwarded = 1, skus = excluded.skus`, orderID, string(b))
	if err != nil {
		return fmt.Errorf("adapter order %s: %w", orderID, err)
	}
	return nil
}

// SKUs returns the SKU each SCM item of a forwarded order stands for
// (empty for an order not forwarded, or forwarded before this was kept).
func (Orders) SKUs(ctx context.Context, q event.Querier, orderID string) (map[string]string, error) {
	var raw string
	err := q.QueryRowContext(ctx, `SELECT skus FROM scmadapter_orders WHERE order_id = ?`, orderID).Scan(&raw)
	if isNoRows(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("adapter order %s: %w", orderID, err)
	}
	skus := map[string]string{}
	if err := json.Unmarshal([]byte(raw), &skus); err != nil {
		return nil, fmt.Errorf("adapter order %s: skus: %w", orderID, err)
	}
	return skus, nil
}

// Cancel records the cancellation and reports whether the order had been
// sent to the SCM (and was not cancelled before).
func (Orders) Cancel(ctx context.Context, q event.Querier, orderID string) (forward bool, err error) {
	var forwarded, cancelled int
	err = q.QueryRowContext(ctx, `SELECT forwarded, cancelled FROM scmadapter_orders WHERE order_id = ?`, orderID).
		Scan(&forwarded, &cancelled)
	if err != nil && !isNoRows(err) {
		return false, fmt.Errorf("adapter order %s: %w", orderID, err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO scmadapter_orders (order_id, forwarded, cancelled, stage_rank)
		VALUES (?, 0, 1, 0) ON CONFLICT (order_id) DO UPDATE SET cancelled = 1`, orderID)
	if err != nil {
		return false, fmt.Errorf("adapter order %s: %w", orderID, err)
	}
	return forwarded == 1 && cancelled == 0, nil
}

// Cancelled reports whether the order was cancelled.
func (Orders) Cancelled(ctx context.Context, q event.Querier, orderID string) (bool, error) {
	var cancelled int
	err := q.QueryRowContext(ctx, `SELECT cancelled FROM scmadapter_orders WHERE order_id = ?`, orderID).Scan(&cancelled)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("adapter order %s: %w", orderID, err)
	}
	return cancelled == 1, nil
}

// Advance moves the order's furthest stage to rank and reports whether it
// moved (false: the stage was told already, or a later one was).
func (Orders) Advance(ctx context.Context, q event.Querier, orderID string, rank int) (bool, error) {
	if _, err := q.ExecContext(ctx, `INSERT INTO scmadapter_orders (order_id, forwarded, cancelled, stage_rank)
		VALUES (?, 1, 0, 0) ON CONFLICT (order_id) DO NOTHING`, orderID); err != nil {
		return false, fmt.Errorf("adapter order %s: %w", orderID, err)
	}
	res, err := q.ExecContext(ctx, `UPDATE scmadapter_orders SET stage_rank = ? WHERE order_id = ? AND stage_rank < ?`,
		rank, orderID, rank)
	if err != nil {
		return false, fmt.Errorf("adapter order %s: %w", orderID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
