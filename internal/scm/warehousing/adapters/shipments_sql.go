package adapters

import (
	"context"
	"fmt"
	"github.com/banchan/banchan/internal/scm/sqlfilter"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/sqltime"
	"github.com/banchan/banchan/internal/scm/txn"
	"github.com/banchan/banchan/internal/scm/warehousing/domain"
)

const shipmentColumns = `SELECT id, order_id, status, created_at, picked_at, packed_at, updated_at, version,
	correlation_id FROM scm_wh_shipments `

// AddShipment stores a new shipment.
func (Warehouse) AddShipment(ctx context.Context, tx event.Tx, s domain.Shipment) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO scm_wh_shipments (id, order_id, status, created_at, picked_at, packed_at,
		updated_at, version, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)`, s.ID, s.OrderID, s.Status,
		sqltime.Format(s.CreatedAt), sqltime.Format(s.PickedAt), sqltime.Format(s.PackedAt), sqltime.Format(s.UpdatedAt),
		s.Correlation)
	if err != nil {
		return fmt.Errorf("add shipment %s: %w", s.ID, err)
	}
	return nil
}

// SaveShipment writes a shipment's status and times, provided nobody
// saved it since it was read (else event.ErrConcurrency).
func (Warehouse) SaveShipment(ctx context.Context, tx event.Tx, s *domain.Shipment) error {
	res, err := tx.ExecContext(ctx, `UPDATE scm_wh_shipments SET status = ?, picked_at = ?, packed_at = ?, updated_at = ?,
		version = version + 1 WHERE id = ? AND version = ?`, s.Status, sqltime.Format(s.PickedAt),
		sqltime.Format(s.PackedAt), sqltime.Format(s.UpdatedAt), s.ID, s.Version)
	if err := txn.Checked(res, err, "shipment "+s.ID); err != nil {
		return err
	}
	s.Version++
	return nil
}

// Shipment returns one shipment, or messages.ErrNotFound.
func (Warehouse) Shipment(ctx context.Context, q event.Querier, id string) (domain.Shipment, error) {
	ss, err := queryShipments(ctx, q, shipmentColumns+`WHERE id = ?`, id)
	if err != nil {
		return domain.Shipment{}, err
	}
	if len(ss) == 0 {
		return domain.Shipment{}, messages.NotFound("shipment", id)
	}
	return ss[0], nil
}

// Filter selects shipments; empty fields select all.
type Filter struct {
	OrderID string
	Status  string
	Limit   int
}

// Shipments lists shipments, oldest first.
func (Warehouse) Shipments(ctx context.Context, q event.Querier, f Filter) ([]domain.Shipment, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	where, args := sqlfilter.Where(sqlfilter.Eq{Column: "order_id", Value: f.OrderID},
		sqlfilter.Eq{Column: "status", Value: f.Status})
	return queryShipments(ctx, q, shipmentColumns+where+`ORDER BY created_at, id LIMIT ?`, append(args, f.Limit)...)
}

func queryShipments(ctx context.Context, q event.Querier, query string, args ...any) ([]domain.Shipment, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query shipments: %w", err)
	}
	defer rows.Close()
	var out []domain.Shipment
	for rows.Next() {
		var s domain.Shipment
		if err := rows.Scan(&s.ID, &s.OrderID, &s.Status, sqltime.Into(&s.CreatedAt), sqltime.Into(&s.PickedAt),
			sqltime.Into(&s.PackedAt), sqltime.Into(&s.UpdatedAt), &s.Version, &s.Correlation); err != nil {
			return nil, fmt.Errorf("scan shipment: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
