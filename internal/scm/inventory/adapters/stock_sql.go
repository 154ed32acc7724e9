// Package adapters keeps inventory state in SQL (portable across SQLite and
// PostgreSQL; run inside the event store's transactions).
package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// Migrations create the inventory tables.
var Migrations = []string{`
CREATE TABLE scm_batches (
	ref      TEXT PRIMARY KEY,
	sku      TEXT NOT NULL,
	qty      INTEGER NOT NULL,
	eta      TEXT NOT NULL,
	added_at TEXT NOT NULL
);
CREATE INDEX scm_batches_sku ON scm_batches (sku);
CREATE TABLE scm_allocations (
	order_id     TEXT NOT NULL,
	item_code    TEXT NOT NULL,
	qty          INTEGER NOT NULL,
	batch_ref    TEXT NOT NULL,
	allocated_at TEXT NOT NULL,
	PRIMARY KEY (order_id, item_code)
);
CREATE INDEX scm_allocations_batch ON scm_allocations (batch_ref);`}

// ErrDuplicateBatch reports a batch reference that already exists.
var ErrDuplicateBatch = errors.New("batch already exists")

// ErrNotFound reports an unknown batch.
var ErrNotFound = errors.New("batch not found")

// Stock is the SQL repository of batches and allocations.
type Stock struct{}

const batchSelect = `SELECT b.ref, b.sku, b.qty, b.eta, b.added_at,
	COALESCE((SELECT SUM(a.qty) FROM scm_allocations a WHERE a.batch_ref = b.ref), 0)
	FROM scm_batches b`

// AddBatch inserts a batch, or reports ErrDuplicateBatch.
func (Stock) AddBatch(ctx context.Context, tx event.Tx, b domain.Batch) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO scm_batches (ref, sku, qty, eta, added_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (ref) DO NOTHING`, b.Ref, b.SKU, b.Qty, b.ETA, b.AddedAt.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("add batch %s: %w", b.Ref, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("batch %s: %w", b.Ref, ErrDuplicateBatch)
	}
	return nil
}

// Batches returns the batches of a SKU with their allocated quantities.
func (Stock) Batches(ctx context.Context, q event.Querier, sku string) ([]domain.Batch, error) {
	rows, err := q.QueryContext(ctx, batchSelect+` WHERE b.sku = ? ORDER BY b.added_at, b.ref`, sku)
	if err != nil {
		return nil, fmt.Errorf("batches of %s: %w", sku, err)
	}
	defer rows.Close()
	var out []domain.Batch
	for rows.Next() {
		b, err := scanBatch(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Batch returns one batch or ErrNotFound.
func (Stock) Batch(ctx context.Context, q event.Querier, ref string) (domain.Batch, error) {
	b, err := scanBatch(q.QueryRowContext(ctx, batchSelect+` WHERE b.ref = ?`, ref).Scan)
	if err != nil && isNoRows(err) {
		return b, fmt.Errorf("batch %s: %w", ref, ErrNotFound)
	}
	return b, err
}

func scanBatch(scan func(...any) error) (domain.Batch, error) {
	var b domain.Batch
	var at string
	if err := scan(&b.Ref, &b.SKU, &b.Qty, &b.ETA, &at, &b.Allocated); err != nil {
		return b, fmt.Errorf("scan batch: %w", err)
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return b, fmt.Errorf("batch %s: added_at %q: %w", b.Ref, at, err)
	}
	b.AddedAt = t
	return b, nil
}

// Allocation is one allocated order line.
type Allocation struct {
	OrderID, ItemCode, BatchRef string
	Qty                         int
}

// AllocationOf returns the allocation of an order line, if any.
func (Stock) AllocationOf(ctx context.Context, q event.Querier, orderID, itemCode string) (Allocation, bool, error) {
	a := Allocation{OrderID: orderID, ItemCode: itemCode}
	err := q.QueryRowContext(ctx, `SELECT qty, batch_ref FROM scm_allocations WHERE order_id = ? AND item_code = ?`,
		orderID, itemCode).Scan(&a.Qty, &a.BatchRef)
	if isNoRows(err) {
		return a, false, nil
	}
	if err != nil {
		return a, false, fmt.Errorf("allocation %s/%s: %w", orderID, itemCode, err)
	}
	return a, true, nil
}

// Allocate records an allocation.
func (Stock) Allocate(ctx context.Context, tx event.Tx, a Allocation, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO scm_allocations (order_id, item_code, qty, batch_ref, allocated_at)
		VALUES (?, ?, ?, ?, ?)`, a.OrderID, a.ItemCode, a.Qty, a.BatchRef, at.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("allocate %s/%s: %w", a.OrderID, a.ItemCode, err)
	}
	return nil
}

// SKUKnown reports whether any batch of the SKU exists.
func (Stock) SKUKnown(ctx context.Context, q event.Querier, sku string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM scm_batches WHERE sku = ?`, sku).Scan(&n); err != nil {
		return false, fmt.Errorf("sku %s: %w", sku, err)
	}
	return n > 0, nil
}
