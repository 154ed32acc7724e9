package adapters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/banchan/banchan/internal/scm/sqlfilter"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/purchasing/domain"
	"github.com/banchan/banchan/internal/scm/sqltime"
	"github.com/banchan/banchan/internal/scm/txn"
)

// Purchasing is the SQL repository of reorder points, stock levels and
// purchase orders.
type Purchasing struct{}

// SetReorderPoint stores a SKU's reorder point.
func (Purchasing) SetReorderPoint(ctx context.Context, tx event.Tx, rp domain.ReorderPoint, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO scm_po_reorder_points (sku, reorder_point, reorder_qty, updated_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE SET reorder_point = excluded.reorder_point,
		reorder_qty = excluded.reorder_qty, updated_at = excluded.updated_at`, rp.SKU, rp.Point, rp.Qty, sqltime.Format(now))
	if err != nil {
		return fmt.Errorf("reorder point %s: %w", rp.SKU, err)
	}
	return nil
}

// ReorderPoint returns a SKU's reorder point; found is false without one.
func (Purchasing) ReorderPoint(ctx context.Context, q event.Querier, sku string) (rp domain.ReorderPoint, found bool, err error) {
	rp.SKU = sku
	err = q.QueryRowContext(ctx, `SELECT reorder_point, reorder_qty FROM scm_po_reorder_points WHERE sku = ?`, sku).
		Scan(&rp.Point, &rp.Qty)
	if errors.Is(err, sql.ErrNoRows) {
		return rp, false, nil
	}
	if err != nil {
		return rp, false, fmt.Errorf("reorder point %s: %w", sku, err)
	}
	return rp, true, nil
}

const orderColumns = `SELECT id, sku, qty, status, reason, batch_ref, received_qty, created_at, updated_at,
	received_at, version FROM scm_po_orders `

// AddOrder stores a new purchase order.
func (Purchasing) AddOrder(ctx context.Context, tx event.Tx, po domain.PurchaseOrder) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO scm_po_orders (id, sku, qty, status, reason, batch_ref, received_qty,
		created_at, updated_at, received_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		po.ID, po.SKU, po.Qty, po.Status, po.Reason, po.BatchRef, po.ReceivedQty, sqltime.Format(po.CreatedAt),
		sqltime.Format(po.UpdatedAt), sqltime.Format(po.ReceivedAt))
	if err != nil {
		return fmt.Errorf("add purchase order %s: %w", po.ID, err)
	}
	return nil
}

// SaveOrder writes a purchase order, provided nobody saved it since it was
// read (else event.ErrConcurrency).
func (Purchasing) SaveOrder(ctx context.Context, tx event.Tx, po *domain.PurchaseOrder) error {
	res, err := tx.ExecContext(ctx, `UPDATE scm_po_orders SET qty = ?, status = ?, reason = ?, batch_ref = ?,
		received_qty = ?, updated_at = ?, received_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		po.Qty, po.Status, po.Reason, po.BatchRef, po.ReceivedQty, sqltime.Format(po.UpdatedAt),
		sqltime.Format(po.ReceivedAt), po.ID, po.Version)
	if err := txn.Checked(res, err, "purchase order "+po.ID); err != nil {
		return err
	}
	po.Version++
	return nil
}

// Order returns one purchase order, or messages.ErrNotFound.
func (Purchasing) Order(ctx context.Context, q event.Querier, id string) (domain.PurchaseOrder, error) {
	pos, err := queryOrders(ctx, q, orderColumns+`WHERE id = ?`, id)
	if err != nil {
		return domain.PurchaseOrder{}, err
	}
	if len(pos) == 0 {
		return domain.PurchaseOrder{}, messages.NotFound("purchase order", id)
	}
	return pos[0], nil
}

// OpenOrder returns the SKU's open purchase order, or nil.
func (Purchasing) OpenOrder(ctx context.Context, q event.Querier, sku string) (*domain.PurchaseOrder, error) {
	// The literal (not a parameter) lets the engine use the partial index
	// scm_po_orders_open (status = 'OPEN', domain.Open).
	pos, err := queryOrders(ctx, q, orderColumns+`WHERE sku = ? AND status = 'OPEN'`, sku)
	if err != nil || len(pos) == 0 {
		return nil, err
	}
	return &pos[0], nil
}

// Filter selects purchase orders; empty fields select all.
type Filter struct {
	SKU    string
	Status string
	Limit  int
}

// Orders lists purchase orders, oldest first.
func (Purchasing) Orders(ctx context.Context, q event.Querier, f Filter) ([]domain.PurchaseOrder, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	where, args := sqlfilter.Where(sqlfilter.Eq{Column: "sku", Value: f.SKU},
		sqlfilter.Eq{Column: "status", Value: f.Status})
	return queryOrders(ctx, q, orderColumns+where+`ORDER BY created_at, id LIMIT ?`, append(args, f.Limit)...)
}

func queryOrders(ctx context.Context, q event.Querier, query string, args ...any) ([]domain.PurchaseOrder, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query purchase orders: %w", err)
	}
	defer rows.Close()
	var out []domain.PurchaseOrder
	for rows.Next() {
		var po domain.PurchaseOrder
		if err := rows.Scan(&po.ID, &po.SKU, &po.Qty, &po.Status, &po.Reason, &po.BatchRef, &po.ReceivedQty,
			sqltime.Into(&po.CreatedAt), sqltime.Into(&po.UpdatedAt), sqltime.Into(&po.ReceivedAt), &po.Version); err != nil {
			return nil, fmt.Errorf("scan purchase order: %w", err)
		}
		out = append(out, po)
	}
	return out, rows.Err()
}
