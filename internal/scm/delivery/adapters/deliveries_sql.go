package adapters

import (
	"context"
	"fmt"
	"github.com/banchan/banchan/internal/scm/sqlfilter"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/delivery/domain"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/sqltime"
	"github.com/banchan/banchan/internal/scm/txn"
)

// Deliveries is the SQL repository of deliveries.
type Deliveries struct{}

const columns = `SELECT id, order_id, shipment_id, status, carrier, tracking_number, created_at, shipped_at,
	delivered_at, updated_at, version, correlation_id FROM scm_deliveries `

// Add stores a new delivery; it reports false (and changes nothing) when
// the order has one already.
func (Deliveries) Add(ctx context.Context, tx event.Tx, d domain.Delivery) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO scm_deliveries (id, order_id, shipment_id, status, carrier,
		tracking_number, created_at, shipped_at, delivered_at, updated_at, version, correlation_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (order_id) DO NOTHING`,
		d.ID, d.OrderID, d.ShipmentID, d.Status, d.Carrier, d.TrackingNumber, sqltime.Format(d.CreatedAt),
		sqltime.Format(d.ShippedAt), sqltime.Format(d.DeliveredAt), sqltime.Format(d.UpdatedAt), d.Correlation)
	if err != nil {
		return false, fmt.Errorf("add delivery %s: %w", d.ID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Save writes a delivery's status, carrier and times, provided nobody
// saved it since it was read (else event.ErrConcurrency).
func (Deliveries) Save(ctx context.Context, tx event.Tx, d *domain.Delivery) error {
	res, err := tx.ExecContext(ctx, `UPDATE scm_deliveries SET status = ?, carrier = ?, tracking_number = ?,
		shipped_at = ?, delivered_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		d.Status, d.Carrier, d.TrackingNumber, sqltime.Format(d.ShippedAt), sqltime.Format(d.DeliveredAt),
		sqltime.Format(d.UpdatedAt), d.ID, d.Version)
	if err := txn.Checked(res, err, "delivery "+d.ID); err != nil {
		return err
	}
	d.Version++
	return nil
}

// Get returns one delivery, or messages.ErrNotFound.
func (Deliveries) Get(ctx context.Context, q event.Querier, id string) (domain.Delivery, error) {
	return one(query(ctx, q, columns+`WHERE id = ?`, id))("delivery", id)
}

// OfOrder returns an order's delivery, or messages.ErrNotFound.
func (Deliveries) OfOrder(ctx context.Context, q event.Querier, orderID string) (domain.Delivery, error) {
	return one(query(ctx, q, columns+`WHERE order_id = ?`, orderID))("delivery of order", orderID)
}

func one(ds []domain.Delivery, err error) func(kind, id string) (domain.Delivery, error) {
	return func(kind, id string) (domain.Delivery, error) {
		if err != nil {
			return domain.Delivery{}, err
		}
		if len(ds) == 0 {
			return domain.Delivery{}, messages.NotFound(kind, id)
		}
		return ds[0], nil
	}
}

// Filter selects deliveries; empty fields select all.
type Filter struct {
	OrderID string
	Status  string
	Limit   int
}

// List returns deliveries, oldest first.
func (Deliveries) List(ctx context.Context, q event.Querier, f Filter) ([]domain.Delivery, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	where, args := sqlfilter.Where(sqlfilter.Eq{Column: "order_id", Value: f.OrderID},
		sqlfilter.Eq{Column: "status", Value: f.Status})
	return query(ctx, q, columns+where+`ORDER BY created_at, id LIMIT ?`, append(args, f.Limit)...)
}

func query(ctx context.Context, q event.Querier, query string, args ...any) ([]domain.Delivery, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query deliveries: %w", err)
	}
	defer rows.Close()
	var out []domain.Delivery
	for rows.Next() {
		var d domain.Delivery
		if err := rows.Scan(&d.ID, &d.OrderID, &d.ShipmentID, &d.Status, &d.Carrier, &d.TrackingNumber,
			sqltime.Into(&d.CreatedAt), sqltime.Into(&d.ShippedAt), sqltime.Into(&d.DeliveredAt),
			sqltime.Into(&d.UpdatedAt), &d.Version, &d.Correlation); err != nil {
			return nil, fmt.Errorf("scan delivery: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
