package adapters

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// Products is the SQL repository of the Product aggregate (see WithCache).
type Products struct{ cache *productCache }

// timeLayout is fixed-width so that stored times compare as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func ts(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTS(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// HoldPrefix starts the order id under which a cart's hold is stored, so
// no order line may have an id that starts with it.
const HoldPrefix = "cart:"

// holdKey is the order_id column of a cart's reservation.
func holdKey(cartID string) string { return HoldPrefix + cartID }

// Scope names what a command works on, so that a product with many lines
// and many batches loads only those it needs. Its batches carry their
// totals, so lines out of scope need not be read; batches with nothing
// free are left out unless a line in scope is in one (a SKU restocked
// every day has hundreds of used-up batches). The waiting lines are
// loaded too, all of them (stock that frees up goes to them) unless
// OwnWaiting.
type Scope struct {
	Orders []string // lines of these orders
	// OwnWaiting loads only the waiting lines of Orders, for a command
	// that only takes stock (an allocation): a sold-out SKU's waiting list
	// can be long, and a new line joins it at the end. The product's
	// AllWaiting is then false, and giving it stock panics (see
	// domain.Product.Attempt).
	OwnWaiting bool
	Carts      []string // reservations of these carts
	// Batch is loaded with the lines and holds it cannot keep if it is to
	// hold Keep: most recent first, the ones a change of its quantity to
	// Keep takes out (Keep 0: every line in the batch).
	Batch   string
	Keep    int
	Batches []string  // batches to load, full or not, without their lines
	Due     time.Time // reservations expiring at or before this time
	All     bool      // every batch, no lines (queries that show the whole product)
}

// Load reads a product with its batches and the lines in scope (see
// Scope) and its waiting lines. A SKU never seen is a new, empty product
// at version 0.
func (Products) Load(ctx context.Context, q event.Querier, sku string, scope Scope) (*domain.Product, error) {
	p := domain.NewProduct(sku)
	err := q.QueryRowContext(ctx, `SELECT version, next_seq, waiting FROM scm_products WHERE sku = ?`, sku).
		Scan(&p.Version, &p.NextSeq, &p.Waiting)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("load product %s: %w", sku, err)
	}
	if scope.All {
		p.Batches, err = queryBatches(ctx, q, batchColumns+`WHERE sku = ? ORDER BY added_at, ref`, sku)
		if err != nil {
			return nil, err
		}
	} else {
		if p.Allocations, err = loadAllocations(ctx, q, sku, scope); err != nil {
			return nil, err
		}
		free, err := queryBatches(ctx, q, batchColumns+`WHERE sku = ? AND qty > allocated + reserved ORDER BY added_at, ref`, sku)
		if err != nil {
			return nil, err
		}
		if err := loadInScope(ctx, q, p, free, scope); err != nil {
			return nil, err
		}
	}
	if err := loadWaiting(ctx, q, p, scope); err != nil {
		return nil, err
	}
	markLoaded(p)
	return p, nil
}

// loadWaiting reads the product's waiting lines in scope: every one, or
// with OwnWaiting those of the scope's orders.
func loadWaiting(ctx context.Context, q event.Querier, p *domain.Product, scope Scope) error {
	var err error
	p.AllWaiting = !scope.OwnWaiting || scope.All
	if p.AllWaiting {
		p.Backorders, err = queryBackorders(ctx, q, p.SKU, `WHERE sku = ? ORDER BY seq`, p.SKU)
		sumWaiting(p)
		return err
	}
	p.Backorders = nil
	for _, o := range slices.Compact(slices.Sorted(slices.Values(scope.Orders))) {
		bos, err := queryBackorders(ctx, q, p.SKU, `WHERE order_id = ? AND sku = ?`, o, p.SKU)
		if err != nil {
			return err
		}
		p.Backorders = append(p.Backorders, bos...)
	}
	slices.SortFunc(p.Backorders, func(a, b domain.Backorder) int { return cmp.Compare(a.Seq, b.Seq) })
	return nil
}

// markLoaded keeps the batches as loaded, for Save to write only what changed.
func markLoaded(p *domain.Product) {
	p.Loaded = make(map[string]domain.Batch, len(p.Batches))
	for _, b := range p.Batches {
		p.Loaded[b.Ref] = b
	}
}

// loadInScope completes a product whose batches with free stock are known
// and whose lines in scope are loaded: it adds the batches those lines
// are in and the batches the scope names, then the lines of Batch that a
// change to Keep takes out.
func loadInScope(ctx context.Context, q event.Querier, p *domain.Product, free []domain.Batch, scope Scope) error {
	p.Batches = free
	have := make(map[string]bool, len(free))
	for _, b := range free {
		have[b.Ref] = true
	}
	need := slices.Clone(scope.Batches)
	if scope.Batch != "" {
		need = append(need, scope.Batch)
	}
	for _, a := range p.Allocations {
		need = append(need, a.BatchRef)
	}
	added := false
	for _, ref := range need {
		if have[ref] {
			continue
		}
		have[ref] = true
		bs, err := queryBatches(ctx, q, batchColumns+`WHERE ref = ? AND sku = ?`, ref, p.SKU)
		if err != nil {
			return err
		}
		p.Batches = append(p.Batches, bs...)
		added = added || len(bs) > 0
	}
	if added {
		slices.SortFunc(p.Batches, func(a, b domain.Batch) int {
			if c := a.AddedAt.Compare(b.AddedAt); c != 0 {
				return c
			}
			return strings.Compare(a.Ref, b.Ref)
		})
	}
	if scope.Batch == "" {
		return nil
	}
	i := slices.IndexFunc(p.Batches, func(b domain.Batch) bool { return b.Ref == scope.Batch })
	if i < 0 {
		return nil
	}
	lines, err := batchLinesOver(ctx, q, p.Batches[i], scope.Keep)
	if err != nil {
		return err
	}
	have = make(map[string]bool, len(p.Allocations))
	for _, a := range p.Allocations {
		have[a.OrderID+"\x00"+a.CartID] = true
	}
	for _, a := range lines {
		if !have[a.OrderID+"\x00"+a.CartID] {
			p.Allocations = append(p.Allocations, a)
		}
	}
	return nil
}

// batchLinesOver reads the batch's lines and holds, most recent first,
// until what is left of them fits in keep.
func batchLinesOver(ctx context.Context, q event.Querier, b domain.Batch, keep int) ([]domain.Allocation, error) {
	held := b.Allocated + b.Reserved
	if held <= keep {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, allocationColumns+`WHERE batch_ref = ? ORDER BY seq DESC`, b.Ref)
	if err != nil {
		return nil, fmt.Errorf("lines of batch %s: %w", b.Ref, err)
	}
	defer rows.Close()
	var out []domain.Allocation
	for held > keep && rows.Next() {
		a, err := scanAllocation(rows)
		if err != nil {
			return nil, err
		}
		held -= a.Qty
		out = append(out, a)
	}
	return out, rows.Err()
}

const batchColumns = `SELECT ref, sku, qty, eta, added_at, allocated, reserved FROM scm_batches `

func queryBatches(ctx context.Context, q event.Querier, query string, args ...any) ([]domain.Batch, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load batches: %w", err)
	}
	defer rows.Close()
	var out []domain.Batch
	for rows.Next() {
		var b domain.Batch
		var at string
		if err := rows.Scan(&b.Ref, &b.SKU, &b.Qty, &b.ETA, &at, &b.Allocated, &b.Reserved); err != nil {
			return nil, fmt.Errorf("scan batch: %w", err)
		}
		if b.AddedAt, err = parseTS(at); err != nil {
			return nil, fmt.Errorf("batch %s: %w", b.Ref, err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

const allocationColumns = `SELECT order_id, item_code, qty, batch_ref, seq, cart_id, hold_until FROM scm_allocations `

func loadAllocations(ctx context.Context, q event.Querier, sku string, scope Scope) ([]domain.Allocation, error) {
	seen := map[string]bool{}
	var out []domain.Allocation
	add := func(query string, args ...any) error {
		as, err := queryAllocations(ctx, q, query, args...)
		for _, a := range as {
			if key := a.OrderID + "\x00" + a.CartID; !seen[key] {
				seen[key] = true
				out = append(out, a)
			}
		}
		return err
	}
	for _, o := range scope.Orders {
		if err := add(allocationColumns+`WHERE order_id = ? AND item_code = ?`, o, sku); err != nil {
			return nil, err
		}
	}
	for _, c := range scope.Carts {
		if err := add(allocationColumns+`WHERE order_id = ? AND item_code = ?`, holdKey(c), sku); err != nil {
			return nil, err
		}
	}
	if !scope.Due.IsZero() {
		if err := add(allocationColumns+`WHERE item_code = ? AND cart_id <> '' AND hold_until <= ? ORDER BY seq`,
			sku, ts(scope.Due)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func queryAllocations(ctx context.Context, q event.Querier, query string, args ...any) ([]domain.Allocation, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load allocations: %w", err)
	}
	defer rows.Close()
	var out []domain.Allocation
	for rows.Next() {
		a, err := scanAllocation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func scanAllocation(rows *sql.Rows) (domain.Allocation, error) {
	var a domain.Allocation
	var until string
	if err := rows.Scan(&a.OrderID, &a.SKU, &a.Qty, &a.BatchRef, &a.Seq, &a.CartID, &until); err != nil {
		return a, fmt.Errorf("scan allocation: %w", err)
	}
	if a.CartID != "" {
		a.OrderID = ""
		var err error
		if a.Until, err = parseTS(until); err != nil {
			return a, fmt.Errorf("reservation of cart %s: %w", a.CartID, err)
		}
	}
	return a, nil
}

// sumWaiting sets the waiting total of a product whose waiting lines are
// all loaded from them: the stored total is then only checked, and a total
// that drifted (written by a build before it was kept, on a database that
// several processes share during an upgrade) is put right by the next save.
func sumWaiting(p *domain.Product) {
	n := 0
	for _, bo := range p.Backorders {
		n += bo.Qty
	}
	p.Waiting = n
}

func queryBackorders(ctx context.Context, q event.Querier, sku, where string, args ...any) ([]domain.Backorder, error) {
	rows, err := q.QueryContext(ctx, `SELECT order_id, qty, seq, since FROM scm_backorders `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("backorders of %s: %w", sku, err)
	}
	defer rows.Close()
	var out []domain.Backorder
	for rows.Next() {
		b := domain.Backorder{Line: domain.Line{SKU: sku}}
		var since string
		if err := rows.Scan(&b.OrderID, &b.Qty, &b.Seq, &since); err != nil {
			return nil, fmt.Errorf("scan backorder: %w", err)
		}
		if b.Since, err = parseTS(since); err != nil {
			return nil, fmt.Errorf("backorder %s: %w", b.OrderID, err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Lock takes the product's row lock until the transaction ends (a portable
// SELECT ... FOR UPDATE: a no-op write). Writers that loaded the product
// before cannot save it any more, and later ones wait, so the holder's own
// save cannot meet a version conflict.
func (Products) Lock(ctx context.Context, tx event.Tx, sku string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE scm_products SET version = version WHERE sku = ?`, sku); err != nil {
		return fmt.Errorf("lock product %s: %w", sku, err)
	}
	return nil
}

// Save writes the effects of the product's recorded events and moves its
// version on, provided nobody saved it since it was loaded; otherwise it
// returns event.ErrConcurrency and the caller's transaction must roll back.
func (r Products) Save(ctx context.Context, tx event.Tx, p *domain.Product, now time.Time) error {
	if err := saveVersion(ctx, tx, p); err != nil {
		return err
	}
	for _, e := range p.Events {
		if err := apply(ctx, tx, p.SKU, e, now); err != nil {
			return fmt.Errorf("save product %s: %w", p.SKU, err)
		}
	}
	for _, b := range p.Batches {
		if l, ok := p.Loaded[b.Ref]; ok && l.Allocated == b.Allocated && l.Reserved == b.Reserved {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scm_batches SET allocated = ?, reserved = ? WHERE ref = ?`,
			b.Allocated, b.Reserved, b.Ref); err != nil {
			return fmt.Errorf("save product %s: batch %s: %w", p.SKU, b.Ref, err)
		}
	}
	if r.cache != nil {
		r.cache.put(p)
	}
	return nil
}

func saveVersion(ctx context.Context, tx event.Tx, p *domain.Product) error {
	var res sql.Result
	var err error
	if p.Version == 0 {
		res, err = tx.ExecContext(ctx, `INSERT INTO scm_products (sku, version, next_seq, waiting) VALUES (?, 1, ?, ?)
			ON CONFLICT (sku) DO NOTHING`, p.SKU, p.NextSeq, p.Waiting)
	} else {
		res, err = tx.ExecContext(ctx, `UPDATE scm_products SET version = version + 1, next_seq = ?, waiting = ?
			WHERE sku = ? AND version = ?`, p.NextSeq, p.Waiting, p.SKU, p.Version)
	}
	if err != nil {
		return fmt.Errorf("save product %s: %w", p.SKU, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("product %s changed since version %d: %w", p.SKU, p.Version, event.ErrConcurrency)
	}
	p.Version++
	return nil
}

func apply(ctx context.Context, tx event.Tx, sku string, e domain.Event, now time.Time) error {
	var err error
	switch e := e.(type) {
	case domain.BatchAdded:
		// The app looks for the ref first, but two requests adding it to
		// different SKUs at once both pass that look on PostgreSQL: the
		// second to commit inserts nothing and says so.
		var res sql.Result
		res, err = tx.ExecContext(ctx, `INSERT INTO scm_batches (ref, sku, qty, eta, added_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (ref) DO NOTHING`, e.Batch.Ref, sku, e.Batch.Qty, e.Batch.ETA, ts(e.Batch.AddedAt))
		if err == nil {
			if n, nerr := res.RowsAffected(); nerr != nil {
				err = nerr
			} else if n == 0 {
				err = fmt.Errorf("batch %s: %w", e.Batch.Ref, domain.ErrDuplicateBatch)
			}
		}
	case domain.BatchQuantityChanged:
		_, err = tx.ExecContext(ctx, `UPDATE scm_batches SET qty = ? WHERE ref = ?`, e.Qty, e.Ref)
	case domain.Allocated:
		err = insertAllocation(ctx, tx, e.Allocation, now)
		if err == nil && e.FromBackorder {
			_, err = tx.ExecContext(ctx, `DELETE FROM scm_backorders WHERE order_id = ? AND sku = ?`, e.Allocation.OrderID, sku)
		}
	case domain.Reserved:
		err = insertAllocation(ctx, tx, e.Allocation, now)
	case domain.Deallocated:
		_, err = tx.ExecContext(ctx, `DELETE FROM scm_allocations WHERE order_id = ? AND item_code = ?`, e.Allocation.OrderID, sku)
	case domain.ReservationDisplaced:
		_, err = tx.ExecContext(ctx, `DELETE FROM scm_allocations WHERE order_id = ? AND item_code = ?`,
			holdKey(e.Allocation.CartID), sku)
	case domain.ReservationMoved: // displaced before, in this transaction
		err = insertAllocation(ctx, tx, e.Allocation, now)
	case domain.ReservationReleased:
		_, err = tx.ExecContext(ctx, `DELETE FROM scm_allocations WHERE order_id = ? AND item_code = ?`,
			holdKey(e.Allocation.CartID), sku)
	case domain.Backordered:
		_, err = tx.ExecContext(ctx, `INSERT INTO scm_backorders (order_id, sku, qty, seq, since) VALUES (?, ?, ?, ?, ?)`,
			e.Backorder.OrderID, sku, e.Backorder.Qty, e.Backorder.Seq, ts(e.Backorder.Since))
	case domain.BackorderDropped:
		_, err = tx.ExecContext(ctx, `DELETE FROM scm_backorders WHERE order_id = ? AND sku = ?`, e.Backorder.OrderID, sku)
	case domain.OutOfStock:
	default:
		err = fmt.Errorf("no persistence for %T", e)
	}
	return err
}

func insertAllocation(ctx context.Context, tx event.Tx, a domain.Allocation, now time.Time) error {
	orderID, until := a.OrderID, ""
	if a.Reservation() {
		orderID, until = holdKey(a.CartID), ts(a.Until)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO scm_allocations
		(order_id, item_code, qty, batch_ref, allocated_at, seq, cart_id, hold_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		orderID, a.SKU, a.Qty, a.BatchRef, ts(now), a.Seq, a.CartID, until)
	return err
}
