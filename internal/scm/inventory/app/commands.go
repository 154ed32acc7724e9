package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// AddBatch is a request for new stock.
type AddBatch struct {
	Ref string  `json:"ref"`
	SKU string  `json:"sku"`
	Qty int     `json:"qty"`
	ETA *string `json:"eta"`
}

// AddBatch adds stock; waiting lines of the SKU are allocated to it.
func (a *App) AddBatch(ctx context.Context, cmd AddBatch) (domain.Batch, error) {
	b, err := domain.NewBatch(cmd.Ref, cmd.SKU, cmd.Qty, cmd.ETA, a.now())
	if err != nil {
		return b, err
	}
	err = a.run(ctx, func(ctx context.Context, u *unit) error {
		if _, err := a.products.SKUOfBatch(ctx, u.tx, b.Ref); err == nil {
			return fmt.Errorf("batch %s: %w", b.Ref, domain.ErrDuplicateBatch)
		}
		return a.change(ctx, u, b.SKU, adapters.Scope{}, func(p *domain.Product) error { return p.AddBatch(b, a.now()) })
	})
	return b, err
}

// Allocate is one order line to allocate (the book's allocate command).
type Allocate struct {
	OrderID string `json:"orderid"`
	SKU     string `json:"sku"`
	Qty     int    `json:"qty"`
}

// Allocation is Allocate's outcome: the batch, or backordered. A line
// allocated (or waiting) before is left as it was: Repeat is set and Qty
// is the stored line's.
type Allocation struct {
	BatchRef    string `json:"batchref,omitempty"`
	Backordered bool   `json:"backordered"`
	Qty         int    `json:"-"`
	Repeat      bool   `json:"-"`
}

// ErrUnknownSKU reports a SKU without stock records.
var ErrUnknownSKU = errors.New("unknown SKU")

func unknownSKU(sku string) error { return fmt.Errorf("%w %s", ErrUnknownSKU, sku) }

// maxOrderID is the most characters an order id may have.
const maxOrderID = 128

// invisible reports a character that prints as nothing, or as a plain
// space, and would make two ids that print alike differ: format
// characters (Unicode Cf: zero-width spaces and joiners, bidirectional
// overrides, the byte order mark, soft hyphens), spaces other than the
// ASCII one (no-break, ideographic), the Hangul fillers, the combining
// grapheme joiner and the variation selectors.
func invisible(r rune) bool {
	switch {
	case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zs, r) && r != ' ':
		return true
	case r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0: // Hangul fillers
		return true
	case r == 0x034F, 0xFE00 <= r && r <= 0xFE0F, 0xE0100 <= r && r <= 0xE01EF:
		return true
	}
	return false
}

// checkLine validates an order line's fields, naming the first that is wrong.
func checkLine(orderID, sku string, qty int) error {
	switch {
	case strings.TrimSpace(orderID) == "":
		return invalid("order id: required")
	case utf8.RuneCountInString(orderID) > maxOrderID:
		return invalid("order id: %d characters, at most %d", utf8.RuneCountInString(orderID), maxOrderID)
	case strings.HasPrefix(orderID, adapters.HoldPrefix):
		return invalid("order id %q: may not start with %q (kept for cart reservations)", orderID, adapters.HoldPrefix)
	case strings.ContainsFunc(orderID, unicode.IsControl):
		return invalid("order id: control characters are not allowed")
	case strings.ContainsFunc(orderID, invisible):
		r, _ := utf8.DecodeRuneInString(orderID[strings.IndexFunc(orderID, invisible):])
		return invalid("order id: invisible character U+%04X is not allowed (two ids that look alike must be alike)", r)
	case sku == "":
		return invalid("sku: required")
	case qty <= 0 || qty > domain.MaxBatchQty:
		return invalid("qty %d: must be between 1 and %d", qty, domain.MaxBatchQty)
	}
	return nil
}

// known fails with ErrUnknownSKU when the product has no batch at all
// (its batches with nothing free are not loaded).
func (a *App) known(ctx context.Context, u *unit, p *domain.Product) error {
	if len(p.Batches) > 0 {
		return nil
	}
	ok, err := a.products.Known(ctx, u.tx, p.SKU)
	if err == nil && !ok {
		err = unknownSKU(p.SKU)
	}
	return err
}

// Allocate allocates a line of a SKU that has stock records. Out of stock
// is an outcome (the line is backordered), not an error.
func (a *App) Allocate(ctx context.Context, cmd Allocate) (Allocation, error) {
	if err := checkLine(cmd.OrderID, cmd.SKU, cmd.Qty); err != nil {
		return Allocation{}, err
	}
	var out Allocation
	err := a.run(ctx, func(ctx context.Context, u *unit) error {
		out = Allocation{}
		// An order placed through ordering has its lines allocated as it
		// came in, and its fulfilment would not know of one added here
		// (one added before it came in is withdrawn then).
		if _, found, err := loadFulfilment(ctx, u.tx, cmd.OrderID); err != nil || found {
			if err == nil {
				err = invalid("order id %s: an order placed through ordering has it, and its lines are allocated with it; "+
					"a line of the allocation API needs an order id of its own", cmd.OrderID)
			}
			return err
		}
		// Only the line's own waiting line: an allocation takes stock and
		// gives none, so the others' do not matter to it.
		scope := adapters.Scope{Orders: []string{cmd.OrderID}, OwnWaiting: true}
		return a.change(ctx, u, cmd.SKU, scope, func(p *domain.Product) error {
			if err := a.known(ctx, u, p); err != nil {
				return err
			}
			qty, repeat := storedLine(p, cmd.OrderID)
			ref, err := p.Allocate(domain.Line{OrderID: cmd.OrderID, SKU: cmd.SKU, Qty: cmd.Qty}, a.now())
			// A line of the book's API belongs to no fulfilment order: no
			// fulfilment state to look up and publish for it.
			u.skip[cmd.OrderID] = true
			out = Allocation{BatchRef: ref, Backordered: errors.Is(err, domain.ErrOutOfStock), Qty: cmp.Or(qty, cmd.Qty), Repeat: repeat}
			if out.Backordered {
				return nil
			}
			return err
		})
	})
	return out, err
}

// storedLine is the quantity of the order's line of p, allocated or
// waiting, if it has one.
func storedLine(p *domain.Product, orderID string) (int, bool) {
	for _, al := range p.Allocations {
		if al.OrderID == orderID && al.CartID == "" {
			return al.Qty, true
		}
	}
	for _, bo := range p.Backorders {
		if bo.OrderID == orderID {
			return bo.Qty, true
		}
	}
	return 0, false
}

// ChangeBatchQuantity sets a batch's quantity; lines that no longer fit
// are reallocated, or backordered when no other batch can take them.
func (a *App) ChangeBatchQuantity(ctx context.Context, ref string, qty int) error {
	if qty < 0 || qty > domain.MaxBatchQty {
		return invalid("qty %d: must be between 0 and %d", qty, domain.MaxBatchQty)
	}
	return a.run(ctx, func(ctx context.Context, u *unit) error {
		sku, err := a.products.SKUOfBatch(ctx, u.tx, ref)
		if err != nil {
			return err
		}
		return a.change(ctx, u, sku, adapters.Scope{Batch: ref, Keep: qty}, func(p *domain.Product) error {
			return p.ChangeBatchQuantity(ref, qty, a.now())
		})
	})
}

// Reserve holds stock of a SKU for a cart until the reservation expires.
func (a *App) Reserve(ctx context.Context, cartID, sku string, qty int) (domain.Allocation, error) {
	if sku == "" {
		return domain.Allocation{}, invalid("sku: required")
	}
	var out domain.Allocation
	err := a.run(ctx, func(ctx context.Context, u *unit) error {
		// A new hold only takes stock; replacing one may give some back
		// (change then loads the waiting lines).
		scope := adapters.Scope{Carts: []string{cartID}, OwnWaiting: true}
		return a.change(ctx, u, sku, scope, func(p *domain.Product) error {
			if err := a.known(ctx, u, p); err != nil {
				return err
			}
			var err error
			out, err = p.Reserve(cartID, qty, a.now().Add(a.ReservationTTL), a.now())
			return err
		})
	})
	return out, err
}

// Release ends a cart's reservation of a SKU; it reports whether there was one.
func (a *App) Release(ctx context.Context, cartID, sku string) (bool, error) {
	var released bool
	err := a.run(ctx, func(ctx context.Context, u *unit) error {
		var err error
		released, err = a.release(ctx, u, cartID, sku)
		return err
	})
	return released, err
}

// ReleaseCart ends every reservation of a cart in one transaction (all or
// none), SKU by SKU in code order; it reports how many there were.
func (a *App) ReleaseCart(ctx context.Context, cartID string) (int, error) {
	var released int
	err := a.run(ctx, func(ctx context.Context, u *unit) error {
		released = 0
		items, err := a.products.CartOf(ctx, u.tx, cartID)
		if err != nil {
			return err
		}
		for _, it := range items {
			ok, err := a.release(ctx, u, cartID, it.SKU)
			if err != nil {
				return err
			}
			if ok {
				released++
			}
		}
		return nil
	})
	return released, err
}

// release ends the cart's hold of a SKU within u, reporting whether there
// was one.
func (a *App) release(ctx context.Context, u *unit, cartID, sku string) (bool, error) {
	var released bool
	// Releasing nothing gives nothing: the waiting lines only if there is a hold.
	scope := adapters.Scope{Carts: []string{cartID}, OwnWaiting: true}
	err := a.change(ctx, u, sku, scope, func(p *domain.Product) error {
		released = p.Release(cartID, "released", a.now())
		return nil
	})
	return released, err
}

// ExpireReservations releases every reservation whose time is up, SKU by
// SKU: one that fails is reported and the others are still released. It is
// safe to run again (after a crash, or from several processes): a
// reservation already released is not released twice.
func (a *App) ExpireReservations(ctx context.Context) (int, error) {
	now := a.now()
	skus, err := a.products.ExpiringSKUs(ctx, a.store.Read(), now)
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, sku := range skus {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		var n int
		err := a.run(ctx, func(ctx context.Context, u *unit) error {
			return a.change(ctx, u, sku, adapters.Scope{Due: now}, func(p *domain.Product) error { n = p.Expire(now); return nil })
		})
		if err != nil {
			// One SKU failing does not keep the others' holds.
			errs = append(errs, fmt.Errorf("expire reservations of %s: %w", sku, err))
			continue
		}
		total += n
	}
	return total, errors.Join(errs...)
}

// RunExpiry releases reservations as they expire until ctx ends: it wakes
// at the first reservation's expiry, and at least every interval (which
// also bounds the wait after a failed pass).
func (a *App) RunExpiry(ctx context.Context, interval time.Duration) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		wait := interval
		if n, err := a.ExpireReservations(ctx); err != nil {
			if ctx.Err() == nil {
				a.log.Warn("expire reservations", "err", err)
			}
		} else {
			if n > 0 {
				a.log.Info("reservations expired", "count", n)
			}
			wait = a.untilNextExpiry(ctx, interval)
		}
		t.Reset(wait)
	}
}

// minExpiryWait keeps reservations due in the same instant in one pass.
const minExpiryWait = 5 * time.Millisecond

// untilNextExpiry is how long to wait for the next reservation to expire,
// at most interval.
func (a *App) untilNextExpiry(ctx context.Context, interval time.Duration) time.Duration {
	next, ok, err := a.products.NextExpiry(ctx, a.store.Read())
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("next reservation expiry", "err", err)
		}
		return interval
	}
	if !ok {
		return interval
	}
	return min(interval, max(next.Sub(a.now()), minExpiryWait))
}
