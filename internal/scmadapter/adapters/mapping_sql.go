// Package adapters keeps the SCM adapter's SKU mapping table in SQL.
package adapters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/banchan/banchan/event"
)

// Migrations create the adapter's tables.
var Migrations = []string{`
CREATE TABLE scmadapter_sku_map (
	sku       TEXT PRIMARY KEY,
	item_code TEXT NOT NULL,
	physical  INTEGER NOT NULL
);
CREATE INDEX scmadapter_sku_map_item ON scmadapter_sku_map (item_code);`}

// Mapping is how one SKU appears in the SCM.
type Mapping struct {
	SKU      string `json:"sku"`
	ItemCode string `json:"itemCode"`
	Physical bool   `json:"physical"`
}

// Mappings is the SQL SKU mapping table.
type Mappings struct{}

// Lookup returns the stored mapping of a SKU, if any.
func (Mappings) Lookup(ctx context.Context, q event.Querier, sku string) (Mapping, bool, error) {
	m := Mapping{SKU: sku}
	var physical int
	err := q.QueryRowContext(ctx, `SELECT item_code, physical FROM scmadapter_sku_map WHERE sku = ?`, sku).
		Scan(&m.ItemCode, &physical)
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("sku mapping %s: %w", sku, err)
	}
	m.Physical = physical == 1
	return m, true, nil
}

// ReverseLookup returns the SKU mapped to an item code, if any.
func (Mappings) ReverseLookup(ctx context.Context, q event.Querier, itemCode string) (string, bool, error) {
	var sku string
	err := q.QueryRowContext(ctx, `SELECT sku FROM scmadapter_sku_map WHERE item_code = ? ORDER BY sku LIMIT 1`,
		itemCode).Scan(&sku)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("sku of item %s: %w", itemCode, err)
	}
	return sku, true, nil
}

// Put stores a mapping, replacing the SKU's previous one.
func (Mappings) Put(ctx context.Context, q event.Querier, m Mapping) error {
	physical := 0
	if m.Physical {
		physical = 1
	}
	_, err := q.ExecContext(ctx, `INSERT INTO scmadapter_sku_map (sku, item_code, physical) VALUES (?, ?, ?)
		ON CONFLICT (sku) DO UPDATE SET item_code = excluded.item_code, physical = excluded.physical`,
		m.SKU, m.ItemCode, physical)
	if err != nil {
		return fmt.Errorf("sku mapping %s: %w", m.SKU, err)
	}
	return nil
}

// Delete removes a SKU's mapping, or reports event.ErrNotFound.
func (Mappings) Delete(ctx context.Context, q event.Querier, sku string) error {
	res, err := q.ExecContext(ctx, `DELETE FROM scmadapter_sku_map WHERE sku = ?`, sku)
	if err != nil {
		return fmt.Errorf("sku mapping %s: %w", sku, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("sku mapping %s: %w", sku, event.ErrNotFound)
	}
	return nil
}

// List returns the mappings in SKU order, after the SKU `after`.
func (Mappings) List(ctx context.Context, q event.Querier, after string, limit int) ([]Mapping, error) {
	rows, err := q.QueryContext(ctx, `SELECT sku, item_code, physical FROM scmadapter_sku_map
		WHERE sku > ? ORDER BY sku LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sku mappings: %w", err)
	}
	defer rows.Close()
	out := []Mapping{}
	for rows.Next() {
		var m Mapping
		var physical int
		if err := rows.Scan(&m.SKU, &m.ItemCode, &physical); err != nil {
			return nil, fmt.Errorf("sku mappings: %w", err)
		}
		m.Physical = physical == 1
		out = append(out, m)
	}
	return out, rows.Err()
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
