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

// Stock is what a SKU's batches hold, over all of them.
type Stock struct {
	Batches   int // batches of the SKU, used up or not
	Available int // stock free in them
}

// StockOf sums a SKU's batches without reading them (the catalog query,
// asked for every order placed): a count over the SKU's index and a sum
// over its batches with stock free.
func (Products) StockOf(ctx context.Context, q event.Querier, sku string) (Stock, error) {
	var st Stock
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM scm_batches WHERE sku = ?),
		(SELECT COALESCE(SUM(qty - allocated - reserved), 0) FROM scm_batches WHERE sku = ? AND qty > allocated + reserved)`,
		sku, sku).Scan(&st.Batches, &st.Available)
	if err != nil {
		return Stock{}, fmt.Errorf("stock of %s: %w", sku, err)
	}
	return st, nil
}

// BatchPage selects one page of a SKU's batches in allocation preference
// (warehouse stock first, then the earliest ETA, then the oldest): those
// after the batch After ("": from the first), at most Limit (0: none).
type BatchPage struct {
	After string
	Limit int
}

// ErrUnknownAfter reports a page cursor that names no batch of the SKU.
var ErrUnknownAfter = errors.New("no such batch of the SKU")

// BatchesOf reads one page of a SKU's batches with their totals; next is
// the After of the following page, "" after the last. A batch's place in
// the order is its ETA ("" in the warehouse sorts first), when it was
// added, and its ref, as the allocation preference has it.
func (Products) BatchesOf(ctx context.Context, q event.Querier, sku string, page BatchPage) (bs []domain.Batch, next string, err error) {
	if page.Limit <= 0 {
		return nil, "", nil
	}
	query, args := batchColumns+`WHERE sku = ?`, []any{sku}
	if page.After != "" {
		var eta, at string
		err := q.QueryRowContext(ctx, `SELECT eta, added_at FROM scm_batches WHERE ref = ? AND sku = ?`, page.After, sku).Scan(&eta, &at)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", fmt.Errorf("batch %s of %s: %w", page.After, sku, ErrUnknownAfter)
		}
		if err != nil {
			return nil, "", fmt.Errorf("batches of %s: %w", sku, err)
		}
		// A row value, so that both engines seek the index to the cursor
		// rather than filter every batch before it.
		query += ` AND (eta, added_at, ref) > (?, ?, ?)`
		args = append(args, eta, at, page.After)
	}
	bs, err = queryBatches(ctx, q, query+` ORDER BY eta, added_at, ref LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil || len(bs) <= page.Limit {
		return bs, "", err
	}
	bs = bs[:page.Limit]
	return bs, bs[len(bs)-1].Ref, nil
}

// View is a SKU's product as its views show it.
type View struct {
	SKU     string
	Version int64
	Waiting int   // quantity waiting, over every waiting line
	Stock   Stock // over every batch
	// Batches is one page of the batches in allocation preference;
	// BatchesNext is the After of the next ("" after the last).
	Batches     []domain.Batch
	BatchesNext string
	// Backorders is one page of the waiting lines, oldest first;
	// MoreWaiting reports that lines follow it.
	Backorders  []domain.Backorder
	MoreWaiting bool
}

// ProductView reads a SKU's product as its views show it: version,
// waiting and stock totals, one page of its batches and one of its
// waiting lines. No allocated line is read (the batches carry their
// totals), nor any batch or waiting line outside its page, so a product
// with many lines or a long history of batches costs no more than one
// with few. Run it in one snapshot (event.Store.View) for the parts to
// agree. A SKU never seen is an empty product at version 0.
func (r Products) ProductView(ctx context.Context, q event.Querier, sku string, waiting WaitingPage, batches BatchPage) (v View, err error) {
	v.SKU = sku
	err = q.QueryRowContext(ctx, `SELECT version, waiting FROM scm_products WHERE sku = ?`, sku).Scan(&v.Version, &v.Waiting)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return View{}, fmt.Errorf("product %s: %w", sku, err)
	}
	if v.Stock, err = r.StockOf(ctx, q, sku); err != nil {
		return View{}, err
	}
	if v.Batches, v.BatchesNext, err = r.BatchesOf(ctx, q, sku, batches); err != nil {
		return View{}, err
	}
	if waiting.Limit <= 0 {
		return v, nil
	}
	v.Backorders, err = queryBackorders(ctx, q, sku, `WHERE sku = ? AND seq > ? ORDER BY seq LIMIT ?`,
		sku, waiting.After, waiting.Limit+1)
	if err != nil {
		return View{}, err
	}
	if len(v.Backorders) > waiting.Limit {
		v.Backorders, v.MoreWaiting = v.Backorders[:waiting.Limit], true
	}
	return v, nil
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
