package adapters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// cached is what a product's load reads besides the lines in scope and
// the batches they are in: its batches with stock free (with their
// totals) and, if the product was saved with all of them (allWaiting), its
// waiting lines, as of Version.
type cached struct {
	version    int64
	batches    []domain.Batch
	backorders []domain.Backorder
	allWaiting bool
}

// productCache keeps the products last saved, so that a command inside a
// write transaction loads a product with one query (its version) instead
// of three. It is only correct when every write to the inventory tables
// goes through this process's repository (one process owns the database,
// as with SQLite): an entry is used only if its version is the stored one,
// and every save replaces the entry, so a save that was rolled back leaves
// an entry whose version the database no longer has, and the next load
// reads the product afresh.
type productCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]cached
	hits    int64
	misses  int64
}

// get returns a copy of the entry at version; the waiting lines only if
// the caller wants them.
func (c *productCache) get(sku string, version int64, waiting bool) (cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[sku]
	if !ok || e.version != version {
		c.misses++
		return cached{}, false
	}
	c.hits++
	out := cached{version: e.version, batches: slices.Clone(e.batches), allWaiting: e.allWaiting}
	if waiting && e.allWaiting {
		out.backorders = slices.Clone(e.backorders)
	}
	return out, true
}

func (c *productCache) put(p *domain.Product) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[p.SKU]; !ok && len(c.entries) >= c.max {
		for k := range c.entries { // evict one at random: map order
			delete(c.entries, k)
			break
		}
	}
	// Only the batches with stock free: what a load reads besides the lines
	// in scope and their batches.
	free := make([]domain.Batch, 0, len(p.Batches))
	for _, b := range p.Batches {
		if b.Available() > 0 {
			free = append(free, b)
		}
	}
	e := cached{version: p.Version, batches: free, allWaiting: p.AllWaiting}
	if p.AllWaiting {
		e.backorders = slices.Clone(p.Backorders)
	}
	c.entries[p.SKU] = e
}

// CacheStats are the cache's hits and misses since start.
func (r Products) CacheStats() (hits, misses int64) {
	if r.cache == nil {
		return 0, 0
	}
	r.cache.mu.Lock()
	defer r.cache.mu.Unlock()
	return r.cache.hits, r.cache.misses
}

// WithCache returns the repository with a cache of up to size products for
// LoadForUpdate. Only for a database no other process writes.
func WithCache(size int) Products {
	return Products{cache: &productCache{max: max(size, 1), entries: map[string]cached{}}}
}

// LoadForUpdate is Load inside a write transaction: with a cache, a product
// saved before at the version still stored is taken from it.
func (r Products) LoadForUpdate(ctx context.Context, tx event.Tx, sku string, scope Scope) (*domain.Product, error) {
	if r.cache == nil || scope.All {
		return r.Load(ctx, tx, sku, scope)
	}
	p := domain.NewProduct(sku)
	var line *domain.Allocation
	var own []domain.Backorder
	var err error
	if oneOrder(scope) {
		// The common command (one order's line): version, line and, for
		// an allocation, its waiting line at once.
		line, own, err = versionAndLine(ctx, tx, p, scope.Orders[0])
	} else {
		err = tx.QueryRowContext(ctx, `SELECT version, next_seq, waiting FROM scm_products WHERE sku = ?`, sku).
			Scan(&p.Version, &p.NextSeq, &p.Waiting)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return r.Load(ctx, tx, sku, scope)
	}
	if err != nil {
		return nil, fmt.Errorf("load product %s: %w", sku, err)
	}
	c, ok := r.cache.get(sku, p.Version, !scope.OwnWaiting)
	if !ok {
		return r.Load(ctx, tx, sku, scope)
	}
	switch {
	case scope.OwnWaiting && oneOrder(scope):
		p.Backorders, p.AllWaiting = own, false
	case c.allWaiting && !scope.OwnWaiting:
		p.Backorders, p.AllWaiting = c.backorders, true
		sumWaiting(p)
	default:
		if err := loadWaiting(ctx, tx, p, scope); err != nil {
			return nil, err
		}
	}
	switch {
	case oneOrder(scope) && line != nil && line.CartID == "":
		p.Allocations = []domain.Allocation{*line}
	case !oneOrder(scope) || line != nil: // a cart's hold under that key: read it in full
		if p.Allocations, err = loadAllocations(ctx, tx, sku, scope); err != nil {
			return nil, err
		}
	}
	if err := loadInScope(ctx, tx, p, c.batches, scope); err != nil {
		return nil, err
	}
	markLoaded(p)
	return p, nil
}

func oneOrder(s Scope) bool {
	return len(s.Orders) == 1 && len(s.Carts) == 0 && s.Batch == "" && s.Due.IsZero() && !s.All
}

// versionAndLine reads the product's version and waiting quantity, the
// order's allocated line of it (nil if none) and its waiting line (if
// any) in one query.
func versionAndLine(ctx context.Context, tx event.Tx, p *domain.Product, orderID string) (*domain.Allocation, []domain.Backorder, error) {
	var a domain.Allocation
	var order, sku, ref, cart, waitingSince sql.NullString
	var qty, seq, waitingQty, waitingSeq sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT p.version, p.next_seq, p.waiting,
			a.order_id, a.item_code, a.qty, a.batch_ref, a.seq, a.cart_id, b.qty, b.seq, b.since
		FROM scm_products p
		LEFT JOIN scm_allocations a ON a.order_id = ? AND a.item_code = p.sku
		LEFT JOIN scm_backorders b ON b.order_id = ? AND b.sku = p.sku
		WHERE p.sku = ?`, orderID, orderID, p.SKU).Scan(&p.Version, &p.NextSeq, &p.Waiting,
		&order, &sku, &qty, &ref, &seq, &cart, &waitingQty, &waitingSeq, &waitingSince)
	if err != nil {
		return nil, nil, err
	}
	var own []domain.Backorder
	if waitingQty.Valid {
		bo := domain.Backorder{Line: domain.Line{OrderID: orderID, SKU: p.SKU, Qty: int(waitingQty.Int64)}, Seq: waitingSeq.Int64}
		if bo.Since, err = parseTS(waitingSince.String); err != nil {
			return nil, nil, fmt.Errorf("backorder %s: %w", orderID, err)
		}
		own = []domain.Backorder{bo}
	}
	if !order.Valid {
		return nil, own, nil
	}
	a.OrderID, a.SKU, a.Qty, a.BatchRef, a.Seq, a.CartID = order.String, sku.String, int(qty.Int64), ref.String, seq.Int64, cart.String
	return &a, own, nil
}
