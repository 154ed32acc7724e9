package adapters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/sqltime"
	"github.com/banchan/banchan/internal/scm/txn"
	"github.com/banchan/banchan/internal/scm/warehousing/domain"
)

// Warehouse is the SQL repository of the warehouse's orders, shipments
// and receipts.
type Warehouse struct{}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Order returns the warehouse's record of an order; an order not seen yet
// is a new record (version 0).
func (Warehouse) Order(ctx context.Context, q event.Querier, id string) (domain.Order, error) {
	o := domain.Order{ID: id}
	var allocated, cooked, cancelled int
	err := q.QueryRowContext(ctx, `SELECT allocated, cooked, cancelled, shipment_id, correlation_id, version
		FROM scm_wh_orders WHERE order_id = ?`, id).
		Scan(&allocated, &cooked, &cancelled, &o.ShipmentID, &o.Correlation, &o.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return o, nil
	}
	if err != nil {
		return o, fmt.Errorf("warehouse order %s: %w", id, err)
	}
	o.Allocated, o.Cooked, o.Cancelled = allocated == 1, cooked == 1, cancelled == 1
	return o, nil
}

// SaveOrder writes the record, provided nobody saved it since it was read
// (else event.ErrConcurrency).
func (Warehouse) SaveOrder(ctx context.Context, tx event.Tx, o *domain.Order) error {
	var res sql.Result
	var err error
	if o.Version == 0 {
		res, err = tx.ExecContext(ctx, `INSERT INTO scm_wh_orders (order_id, allocated, cooked, cancelled, shipment_id,
			correlation_id, version) VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (order_id) DO NOTHING`,
			o.ID, flag(o.Allocated), flag(o.Cooked), flag(o.Cancelled), o.ShipmentID, o.Correlation)
	} else {
		res, err = tx.ExecContext(ctx, `UPDATE scm_wh_orders SET allocated = ?, cooked = ?, cancelled = ?, shipment_id = ?,
			version = version + 1 WHERE order_id = ? AND version = ?`,
			flag(o.Allocated), flag(o.Cooked), flag(o.Cancelled), o.ShipmentID, o.ID, o.Version)
	}
	if err := txn.Checked(res, err, "warehouse order "+o.ID); err != nil {
		return err
	}
	o.Version++
	return nil
}

// AddReceipt records stock that came in.
func (Warehouse) AddReceipt(ctx context.Context, tx event.Tx, r domain.Receipt) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO scm_wh_receipts (id, ref, sku, qty, received_at) VALUES (?, ?, ?, ?, ?)`,
		r.ID, r.Ref, r.SKU, r.Qty, sqltime.Format(r.ReceivedAt))
	if err != nil {
		return fmt.Errorf("receipt %s: %w", r.ID, err)
	}
	return nil
}
