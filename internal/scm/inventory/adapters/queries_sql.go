package adapters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// ErrNotFound reports an unknown batch, order or cart.
var ErrNotFound = errors.New("not found")

// SKUOfBatch returns the SKU of a batch reference.
func (Products) SKUOfBatch(ctx context.Context, q event.Querier, ref string) (string, error) {
	var sku string
	err := q.QueryRowContext(ctx, `SELECT sku FROM scm_batches WHERE ref = ?`, ref).Scan(&sku)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("batch %s: %w", ref, ErrNotFound)
	}
	return sku, err
}

// Batch returns one batch with its totals.
func (Products) Batch(ctx context.Context, q event.Querier, ref string) (domain.Batch, error) {
	bs, err := queryBatches(ctx, q, batchColumns+`WHERE ref = ?`, ref)
	switch {
	case err != nil:
		return domain.Batch{}, err
	case len(bs) == 0:
		return domain.Batch{}, fmt.Errorf("batch %s: %w", ref, ErrNotFound)
	}
	return bs[0], nil
}

// Known reports whether any batch of the SKU exists.
func (Products) Known(ctx context.Context, q event.Querier, sku string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM scm_batches WHERE sku = ? LIMIT 1) t`, sku).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sku %s: %w", sku, err)
	}
	return n > 0, nil
}

// OrderAllocation is one allocated line of an order (the allocations view).
type OrderAllocation struct {
	SKU      string `json:"sku"`
	Qty      int    `json:"qty"`
	BatchRef string `json:"batchref"`
}

// AllocationsOf lists an order's allocated lines (the read model behind
// GET /allocations/{orderid}); it is written in the allocating transaction.
func (Products) AllocationsOf(ctx context.Context, q event.Querier, orderID string) ([]OrderAllocation, error) {
	rows, err := q.QueryContext(ctx, `SELECT item_code, qty, batch_ref FROM scm_allocations
		WHERE order_id = ? AND cart_id = '' ORDER BY item_code`, orderID)
	if err != nil {
		return nil, fmt.Errorf("allocations of %s: %w", orderID, err)
	}
	defer rows.Close()
	var out []OrderAllocation
	for rows.Next() {
		var a OrderAllocation
		if err := rows.Scan(&a.SKU, &a.Qty, &a.BatchRef); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// WaitingLine is one of an order's lines waiting for stock.
type WaitingLine struct {
	SKU   string    `json:"sku"`
	Qty   int       `json:"qty"`
	Since time.Time `json:"since"`
}

// WaitingPage selects one page of a product's waiting lines, oldest
// first: those with a seq above After (0: from the first; a product's
// seqs are unique and start at 1), at most Limit of them (0: none).
type WaitingPage struct {
	After int64
	Limit int
}

// ProductView reads a SKU's product as its views show it: version and
// waiting total, every batch with its totals, and one page of its waiting
// lines; more reports that lines follow the page. No allocated line is
// read (the batches carry their totals), nor any waiting line outside the
// page, so a product with many lines costs no more than one with few.
// Run it in one snapshot (event.Store.View) for the parts to agree. A SKU
// never seen is an empty product at version 0.
func (Products) ProductView(ctx context.Context, q event.Querier, sku string, page WaitingPage) (p *domain.Product, more bool, err error) {
	p = domain.NewProduct(sku)
	err = q.QueryRowContext(ctx, `SELECT version, next_seq, waiting FROM scm_products WHERE sku = ?`, sku).
		Scan(&p.Version, &p.NextSeq, &p.Waiting)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("product %s: %w", sku, err)
	}
	if p.Batches, err = queryBatches(ctx, q, batchColumns+`WHERE sku = ? ORDER BY added_at, ref`, sku); err != nil {
		return nil, false, err
	}
	if page.Limit <= 0 {
		return p, p.Waiting > 0, nil
	}
	p.Backorders, err = queryBackorders(ctx, q, sku, `WHERE sku = ? AND seq > ? ORDER BY seq LIMIT ?`,
		sku, page.After, page.Limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(p.Backorders) <= page.Limit {
		return p, false, nil
	}
	p.Backorders = p.Backorders[:page.Limit]
	return p, true, nil
}

// OrderLines lists an order's allocated lines and its lines waiting for
// stock, read together (one statement, one snapshot: a line being
// reallocated shows in one list or the other, never in both or neither).
func (Products) OrderLines(ctx context.Context, q event.Querier, orderID string) ([]OrderAllocation, []WaitingLine, error) {
	rows, err := q.QueryContext(ctx, `SELECT item_code, qty, batch_ref, '' FROM scm_allocations
		WHERE order_id = ? AND cart_id = ''
		UNION ALL SELECT sku, qty, '', since FROM scm_backorders WHERE order_id = ?
		ORDER BY 1`, orderID, orderID)
	if err != nil {
		return nil, nil, fmt.Errorf("lines of %s: %w", orderID, err)
	}
	defer rows.Close()
	allocated, waiting := []OrderAllocation{}, []WaitingLine{}
	for rows.Next() {
		var sku, ref, since string
		var qty int
		if err := rows.Scan(&sku, &qty, &ref, &since); err != nil {
			return nil, nil, err
		}
		if since == "" {
			allocated = append(allocated, OrderAllocation{SKU: sku, Qty: qty, BatchRef: ref})
			continue
		}
		w := WaitingLine{SKU: sku, Qty: qty}
		if w.Since, err = parseTS(since); err != nil {
			return nil, nil, fmt.Errorf("backorder of %s: %w", orderID, err)
		}
		waiting = append(waiting, w)
	}
	return allocated, waiting, rows.Err()
}

// Reservation is a cart's hold on stock.
type Reservation struct {
	SKU       string    `json:"sku"`
	Qty       int       `json:"qty"`
	BatchRef  string    `json:"batchRef"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// CartOf lists a cart's reservations.
func (Products) CartOf(ctx context.Context, q event.Querier, cartID string) ([]Reservation, error) {
	rows, err := q.QueryContext(ctx, `SELECT item_code, qty, batch_ref, hold_until FROM scm_allocations
		WHERE order_id = ? ORDER BY item_code`, holdKey(cartID))
	if err != nil {
		return nil, fmt.Errorf("cart %s: %w", cartID, err)
	}
	defer rows.Close()
	var out []Reservation
	for rows.Next() {
		var r Reservation
		var until string
		if err := rows.Scan(&r.SKU, &r.Qty, &r.BatchRef, &until); err != nil {
			return nil, err
		}
		if r.ExpiresAt, err = parseTS(until); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// NextExpiry is when the first reservation still held expires (ok false:
// none is held).
func (Products) NextExpiry(ctx context.Context, q event.Querier) (time.Time, bool, error) {
	var next sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT MIN(hold_until) FROM scm_allocations WHERE cart_id <> ''`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next expiry: %w", err)
	}
	if !next.Valid || next.String == "" {
		return time.Time{}, false, nil
	}
	t, err := parseTS(next.String)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next expiry: %w", err)
	}
	return t, true, nil
}

// ExpiringSKUs lists SKUs with reservations due at now.
func (Products) ExpiringSKUs(ctx context.Context, q event.Querier, now time.Time) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT item_code FROM scm_allocations
		WHERE cart_id <> '' AND hold_until <= ? ORDER BY item_code`, ts(now))
	if err != nil {
		return nil, fmt.Errorf("expiring reservations: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sku string
		if err := rows.Scan(&sku); err != nil {
			return nil, err
		}
		out = append(out, sku)
	}
	return out, rows.Err()
}
