package app

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
	"github.com/banchan/banchan/internal/scm/messages"
)

// receiveStock takes stock in for another module (a warehouse receipt, a
// purchase order received): a new batch in the warehouse, or more of an
// existing one. Waiting lines are allocated to it, oldest first. It runs
// inside the caller's transaction, so it locks the SKU at once rather than
// retry.
func (a *App) receiveStock(ctx context.Context, tx event.Tx, m messages.ReceiveStock) error {
	if m.Result == nil {
		return errors.New("receive stock: no result to fill")
	}
	return a.within(ctx, tx, m.Origin.Cause, true, func(ctx context.Context, u *unit) error {
		sku, err := a.products.SKUOfBatch(ctx, tx, m.Ref)
		switch {
		case errors.Is(err, adapters.ErrNotFound):
			return a.receiveBatch(ctx, u, m)
		case err != nil:
			return err
		case sku != m.SKU:
			return &messages.Refusal{Err: messages.ErrConflict,
				Detail: fmt.Sprintf("batch %s holds %s, not %s", m.Ref, sku, m.SKU)}
		}
		// Stock received only grows the batch: none of its lines has to go.
		scope := adapters.Scope{Batches: []string{m.Ref}}
		if m.Qty < 0 {
			scope = adapters.Scope{Batch: m.Ref}
		}
		return a.change(ctx, u, sku, scope, func(p *domain.Product) error {
			b := batchOf(p, m.Ref)
			if err := p.ChangeBatchQuantity(m.Ref, b.Qty+m.Qty, a.now()); err != nil {
				return asInvalid(err)
			}
			*m.Result = batchOf(p, m.Ref)
			return nil
		})
	})
}

func (a *App) receiveBatch(ctx context.Context, u *unit, m messages.ReceiveStock) error {
	b, err := domain.NewBatch(m.Ref, m.SKU, m.Qty, nil, a.now())
	if err != nil {
		return asInvalid(err)
	}
	return a.change(ctx, u, b.SKU, adapters.Scope{}, func(p *domain.Product) error {
		if err := p.AddBatch(b, a.now()); err != nil {
			return asInvalid(err)
		}
		*m.Result = batchOf(p, m.Ref)
		return nil
	})
}

func batchOf(p *domain.Product, ref string) messages.Batch {
	for _, b := range p.Batches {
		if b.Ref == ref {
			return messages.Batch{Ref: b.Ref, SKU: b.SKU, Qty: b.Qty, Allocated: b.Allocated, Available: b.Available()}
		}
	}
	return messages.Batch{Ref: ref, SKU: p.SKU}
}

// asInvalid restates the domain's validation errors in the shared kernel's
// terms, for the module that asked.
func asInvalid(err error) error {
	if errors.Is(err, domain.ErrInvalid) {
		return &messages.Refusal{Err: messages.ErrInvalid, Detail: err.Error()}
	}
	return err
}

// cancelFulfilment releases everything a cancelled order holds or waits
// for; the freed stock goes to waiting lines, oldest first. A cancellation
// that overtook its order is recorded, so that the order, when it comes,
// is not allocated. Cancelling again changes nothing.
func (a *App) cancelFulfilment(ctx context.Context, tx event.Tx, m messages.FulfilmentCancelled) error {
	return a.within(ctx, tx, m.Origin.Cause, true, func(ctx context.Context, u *unit) error {
		f, found, err := loadFulfilment(ctx, tx, m.OrderID)
		if err != nil || f.state == stateCancelled {
			return err
		}
		if !found {
			_, err := tx.ExecContext(ctx, `INSERT INTO scm_fulfilments (order_id, cart_id, items, state, revision, correlation_id)
				VALUES (?, '', '[]', ?, 0, ?)`, m.OrderID, stateCancelled, m.Origin.Correlation())
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scm_fulfilments SET state = ? WHERE order_id = ?`,
			stateCancelled, m.OrderID); err != nil {
			return err
		}
		skus := make([]string, len(f.items))
		for i, it := range f.items {
			skus[i] = it.ItemCode
		}
		sort.Strings(skus)
		for _, sku := range skus {
			err := a.change(ctx, u, sku, adapters.Scope{Orders: []string{m.OrderID}}, func(p *domain.Product) error {
				p.Cancel(m.OrderID, a.now())
				return nil
			})
			if err != nil {
				return fmt.Errorf("cancel %s: %w", m.OrderID, err)
			}
		}
		return nil
	})
}
