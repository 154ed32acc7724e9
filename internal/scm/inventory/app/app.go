// Package app holds the inventory use cases: adding batches, allocating
// fulfilment orders, and the stock queries other services use over REST.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// App is the inventory application.
type App struct {
	store event.Store
	stock adapters.Stock
	now   func() time.Time
	log   *slog.Logger
}

// New builds the application.
func New(store event.Store, log *slog.Logger) *App {
	return &App{store: store, now: func() time.Time { return time.Now().UTC() }, log: log}
}

// AddBatch is a request for new stock.
type AddBatch struct {
	Ref string  `json:"ref"`
	SKU string  `json:"sku"`
	Qty int     `json:"qty"`
	ETA *string `json:"eta"`
}

// AddBatch stores a batch and its BatchAdded event.
func (a *App) AddBatch(ctx context.Context, cmd AddBatch) (domain.Batch, error) {
	b, err := domain.NewBatch(cmd.Ref, cmd.SKU, cmd.Qty, cmd.ETA, a.now())
	if err != nil {
		return b, err
	}
	err = a.store.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		if err := tx.Lock(ctx, "sku:"+b.SKU); err != nil {
			return err
		}
		if err := a.stock.AddBatch(ctx, tx, b); err != nil {
			return err
		}
		env, err := event.New(contract.EventTopic, contract.TypeBatchAdded, contract.Source, b.Ref,
			contract.BatchAdded{Ref: b.Ref, SKU: b.SKU, Qty: b.Qty, ETA: b.ETA})
		if err != nil {
			return err
		}
		env.Stream = "scm/batch-" + b.Ref
		return tx.Append(ctx, env.Traced(ctx))
	})
	return b, err
}

// Batch returns one batch with its allocated quantity.
func (a *App) Batch(ctx context.Context, ref string) (domain.Batch, error) {
	return a.stock.Batch(ctx, a.store.Read(), ref)
}

// Batches lists a SKU's batches in allocation preference.
func (a *App) Batches(ctx context.Context, sku string) ([]domain.Batch, error) {
	bs, err := a.stock.Batches(ctx, a.store.Read(), sku)
	domain.Preferred(bs)
	return bs, err
}

// Known reports whether the SKU has stock records (the catalog query).
func (a *App) Known(ctx context.Context, sku string) (bool, error) {
	return a.stock.SKUKnown(ctx, a.store.Read(), sku)
}

// AllocateFulfilmentOrder allocates each item to its preferred batch, in the
// caller's transaction, and appends LineAllocated / OutOfStock per item and
// one FulfilmentAllocated or FulfilmentBackordered outcome. Items already
// allocated to this order keep their batch (a repeat is a no-op).
func (a *App) AllocateFulfilmentOrder(ctx context.Context, tx event.Tx, cause event.Envelope,
	cmd contract.AllocateFulfilmentOrder) error {
	if err := validate(cmd); err != nil {
		return event.Permanent(err)
	}
	items := append([]contract.Item(nil), cmd.Items...)
	// Lock SKUs in one order so that concurrent transactions cannot deadlock.
	sort.Slice(items, func(i, j int) bool { return items[i].ItemCode < items[j].ItemCode })
	for _, it := range items {
		if err := tx.Lock(ctx, "sku:"+it.ItemCode); err != nil {
			return err
		}
	}
	var allocated []contract.Allocation
	var missing []contract.Item
	var envs []event.Envelope
	for _, it := range items {
		al, env, err := a.allocateItem(ctx, tx, cmd.FulfilmentOrderID, it)
		switch {
		case errors.Is(err, domain.ErrOutOfStock):
			missing = append(missing, it)
		case err != nil:
			return err
		default:
			allocated = append(allocated, al)
		}
		if env.ID != "" {
			envs = append(envs, env)
		}
	}
	outcome, err := outcomeEvent(cmd.FulfilmentOrderID, allocated, missing)
	if err != nil {
		return err
	}
	envs = append(envs, outcome)
	for i := range envs {
		envs[i] = envs[i].CausedBy(cause)
	}
	return tx.Append(ctx, envs...)
}

func (a *App) allocateItem(ctx context.Context, tx event.Tx, orderID string, it contract.Item) (contract.Allocation, event.Envelope, error) {
	prev, ok, err := a.stock.AllocationOf(ctx, tx, orderID, it.ItemCode)
	if err != nil {
		return contract.Allocation{}, event.Envelope{}, err
	}
	if ok {
		return contract.Allocation{ItemCode: it.ItemCode, Quantity: prev.Qty, BatchRef: prev.BatchRef}, event.Envelope{}, nil
	}
	bs, err := a.stock.Batches(ctx, tx, it.ItemCode)
	if err != nil {
		return contract.Allocation{}, event.Envelope{}, err
	}
	b, err := domain.Choose(bs, it.Quantity)
	if errors.Is(err, domain.ErrOutOfStock) {
		env, eerr := event.New(contract.EventTopic, contract.TypeOutOfStock, contract.Source, orderID,
			contract.OutOfStock{OrderID: orderID, SKU: it.ItemCode, Qty: it.Quantity})
		env.Stream = "scm/sku-" + it.ItemCode
		return contract.Allocation{}, env, errors.Join(err, eerr)
	}
	al := adapters.Allocation{OrderID: orderID, ItemCode: it.ItemCode, Qty: it.Quantity, BatchRef: b.Ref}
	if err := a.stock.Allocate(ctx, tx, al, a.now()); err != nil {
		return contract.Allocation{}, event.Envelope{}, err
	}
	env, err := event.New(contract.EventTopic, contract.TypeLineAllocated, contract.Source, orderID,
		contract.LineAllocated{OrderID: orderID, SKU: it.ItemCode, Qty: it.Quantity, BatchRef: b.Ref})
	env.Stream = "scm/sku-" + it.ItemCode
	return contract.Allocation{ItemCode: it.ItemCode, Quantity: it.Quantity, BatchRef: b.Ref}, env, err
}

func outcomeEvent(id string, allocated []contract.Allocation, missing []contract.Item) (event.Envelope, error) {
	var env event.Envelope
	var err error
	if len(missing) == 0 {
		env, err = event.New(contract.EventTopic, contract.TypeFulfilmentAllocated, contract.Source, id,
			contract.FulfilmentAllocated{FulfilmentOrderID: id, Allocations: allocated})
	} else {
		env, err = event.New(contract.EventTopic, contract.TypeFulfilmentBackordered, contract.Source, id,
			contract.FulfilmentBackordered{FulfilmentOrderID: id, Allocations: allocated, Missing: missing})
	}
	env.Stream = "scm/fulfilment-" + id
	return env, err
}

func validate(cmd contract.AllocateFulfilmentOrder) error {
	if cmd.FulfilmentOrderID == "" || len(cmd.Items) == 0 {
		return fmt.Errorf("allocate: fulfilment order needs an id and items")
	}
	seen := map[string]bool{}
	for _, it := range cmd.Items {
		if it.ItemCode == "" || it.Quantity <= 0 || seen[it.ItemCode] {
			return fmt.Errorf("allocate %s: bad item %q ×%d", cmd.FulfilmentOrderID, it.ItemCode, it.Quantity)
		}
		seen[it.ItemCode] = true
	}
	return nil
}
