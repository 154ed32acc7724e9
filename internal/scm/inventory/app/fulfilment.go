package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
	"github.com/banchan/banchan/internal/scm/messages"
)

// Fulfilment states.
const (
	stateAllocated   = "ALLOCATED"
	stateBackordered = "BACKORDERED"
	// stateCancelled: the order was cancelled (possibly before it came in,
	// so that a late AllocateFulfilmentOrder does nothing). No allocation
	// state is published for it any more.
	stateCancelled = "CANCELLED"
)

// AllocateFulfilmentOrder allocates each item of a fulfilment order (from
// the cart's reservations when it names a cart) and publishes the order's
// allocation state. The other modules learn of the order on the bus
// (FulfilmentAccepted, then its allocation state). From then on every change of that state (a line
// reallocated or backordered by a quantity change, a backorder filled by
// new stock) publishes the state again with a higher revision. A repeat of
// the command changes nothing, and so does one for an order cancelled
// already.
func (a *App) AllocateFulfilmentOrder(ctx context.Context, tx event.Tx, cause event.Envelope,
	cmd contract.AllocateFulfilmentOrder) error {
	if err := validate(cmd); err != nil {
		return event.Permanent(err)
	}
	// A message handler cannot retry inside its inbox transaction, so it
	// locks at once; the consumer retries the message on a conflict anyway.
	return a.within(ctx, tx, &cause, true, func(ctx context.Context, u *unit) error {
		items, _ := json.Marshal(cmd.Items)
		origin := messages.Origin{Cause: &cause}
		res, err := tx.ExecContext(ctx, `INSERT INTO scm_fulfilments (order_id, cart_id, items, state, revision, correlation_id)
			VALUES (?, ?, ?, '', 0, ?) ON CONFLICT (order_id) DO NOTHING`,
			cmd.FulfilmentOrderID, cmd.CartID, string(items), origin.Correlation())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already taken in, or cancelled before it came
		}
		u.affected[cmd.FulfilmentOrderID] = true
		if err := a.withdrawForeignLines(ctx, u, cmd.FulfilmentOrderID); err != nil {
			return err
		}
		if err := bus.Publish(ctx, a.bus, tx, messages.FulfilmentAccepted{OrderID: cmd.FulfilmentOrderID,
			Items: busItems(cmd.Items), At: a.now(), Origin: origin}); err != nil {
			return err
		}
		sorted := append([]contract.Item(nil), cmd.Items...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].ItemCode < sorted[j].ItemCode })
		for _, it := range sorted {
			if err := a.allocateItem(ctx, u, cmd, it); err != nil {
				return err
			}
		}
		return nil
	})
}

// withdrawForeignLines releases the lines that the allocation API took
// under an order's id before the order came in (a client that used the
// id ordering gave it, between its 201 and the SCM's intake): the order's
// lines are its items, and a line it does not know of would stay
// allocated after it is cancelled. Once the order is in, the allocation
// API refuses its id.
func (a *App) withdrawForeignLines(ctx context.Context, u *unit, orderID string) error {
	allocated, waiting, err := a.products.OrderLines(ctx, u.tx, orderID)
	if err != nil || len(allocated)+len(waiting) == 0 {
		return err
	}
	skus := make([]string, 0, len(allocated)+len(waiting))
	for _, l := range allocated {
		skus = append(skus, l.SKU)
	}
	for _, l := range waiting {
		skus = append(skus, l.SKU)
	}
	sort.Strings(skus)
	for _, sku := range slices.Compact(skus) {
		a.log.Warn("a line of the allocation API had the id of an order placed through ordering; released as the order came in",
			"order", orderID, "sku", sku)
		err := a.change(ctx, u, sku, adapters.Scope{Orders: []string{orderID}}, func(p *domain.Product) error {
			p.Withdraw(orderID, "the order placed through ordering with this id came in", a.now())
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *App) allocateItem(ctx context.Context, u *unit, cmd contract.AllocateFulfilmentOrder, it contract.Item) error {
	// Without a cart (or a hold of this SKU) the line only takes stock:
	// its own waiting line is all it needs. When a cart's hold gives stock
	// back, change loads the waiting lines.
	scope := adapters.Scope{Orders: []string{cmd.FulfilmentOrderID}, OwnWaiting: true}
	if cmd.CartID != "" {
		scope.Carts = []string{cmd.CartID}
	}
	return a.change(ctx, u, it.ItemCode, scope, func(p *domain.Product) error {
		l := domain.Line{OrderID: cmd.FulfilmentOrderID, SKU: it.ItemCode, Qty: it.Quantity}
		_, err := p.AllocateFromCart(l, cmd.CartID, a.now())
		if errors.Is(err, domain.ErrOutOfStock) {
			return nil
		}
		return err
	})
}

// publishFulfilments publishes the allocation state of every touched
// fulfilment order whose state differs from the last one published.
func (a *App) publishFulfilments(ctx context.Context, u *unit) error {
	orders := make([]string, 0, len(u.affected))
	for o := range u.affected {
		if !u.skip[o] {
			orders = append(orders, o)
		}
	}
	sort.Strings(orders)
	for _, o := range orders {
		if err := a.publishFulfilment(ctx, u, o); err != nil {
			return err
		}
	}
	return nil
}

// fulfilment is an order's row of scm_fulfilments.
type fulfilment struct {
	items       []contract.Item
	state       string
	revision    int64
	correlation string
}

// loadFulfilment reads an order's fulfilment record; found is false for
// an order that has none.
func loadFulfilment(ctx context.Context, q event.Querier, orderID string) (f fulfilment, found bool, err error) {
	var itemsJSON string
	err = q.QueryRowContext(ctx, `SELECT items, state, revision, correlation_id FROM scm_fulfilments WHERE order_id = ?`,
		orderID).Scan(&itemsJSON, &f.state, &f.revision, &f.correlation)
	if errors.Is(err, sql.ErrNoRows) {
		return f, false, nil
	}
	if err != nil {
		return f, false, fmt.Errorf("fulfilment %s: %w", orderID, err)
	}
	if err := json.Unmarshal([]byte(itemsJSON), &f.items); err != nil {
		return f, false, fmt.Errorf("fulfilment %s items: %w", orderID, err)
	}
	return f, true, nil
}

func (a *App) publishFulfilment(ctx context.Context, u *unit, orderID string) error {
	f, found, err := loadFulfilment(ctx, u.tx, orderID)
	if err != nil || !found || f.state == stateCancelled {
		return err // no record: a line allocated through the book's API
	}
	items, state, revision := f.items, f.state, f.revision
	allocated, err := a.products.AllocationsOf(ctx, u.tx, orderID)
	if err != nil {
		return err
	}
	typ, data, next := outcome(orderID, revision+1, items, allocated)
	if next == state {
		return nil
	}
	if _, err := u.tx.ExecContext(ctx, `UPDATE scm_fulfilments SET state = ?, revision = ? WHERE order_id = ?`,
		next, revision+1, orderID); err != nil {
		return err
	}
	env, err := event.New(contract.EventTopic, typ, contract.Source, orderID, data)
	if err != nil {
		return err
	}
	env.Stream = "scm/fulfilment-" + orderID
	origin := messages.Origin{Cause: u.cause, CorrelationID: f.correlation}
	if err := u.tx.Append(ctx, origin.Stamp(ctx, env)); err != nil {
		return err
	}
	return a.tellModules(ctx, u, orderID, revision+1, data, origin)
}

// tellModules states the order's new allocation state on the bus.
func (a *App) tellModules(ctx context.Context, u *unit, orderID string, revision int64, data any, o messages.Origin) error {
	switch d := data.(type) {
	case contract.FulfilmentAllocated:
		items := make([]messages.Item, len(d.Allocations))
		for i, al := range d.Allocations {
			items[i] = messages.Item{ItemCode: al.ItemCode, Quantity: al.Quantity}
		}
		return bus.Publish(ctx, a.bus, u.tx, messages.FulfilmentAllocated{OrderID: orderID, Revision: revision,
			Items: items, At: a.now(), Origin: o})
	case contract.FulfilmentBackordered:
		return bus.Publish(ctx, a.bus, u.tx, messages.FulfilmentBackordered{OrderID: orderID, Revision: revision,
			Missing: busItems(d.Missing), At: a.now(), Origin: o})
	}
	return nil
}

func busItems(items []contract.Item) []messages.Item {
	out := make([]messages.Item, len(items))
	for i, it := range items {
		out[i] = messages.Item{ItemCode: it.ItemCode, Quantity: it.Quantity}
	}
	return out
}

func outcome(orderID string, revision int64, items []contract.Item, allocated []adapters.OrderAllocation) (string, any, string) {
	have := map[string]adapters.OrderAllocation{}
	for _, al := range allocated {
		have[al.SKU] = al
	}
	var als []contract.Allocation
	var missing []contract.Item
	for _, it := range items {
		if al, ok := have[it.ItemCode]; ok {
			als = append(als, contract.Allocation{ItemCode: it.ItemCode, Quantity: al.Qty, BatchRef: al.BatchRef})
		} else {
			missing = append(missing, it)
		}
	}
	if len(missing) == 0 {
		return contract.TypeFulfilmentAllocated, contract.FulfilmentAllocated{FulfilmentOrderID: orderID,
			Revision: revision, Allocations: als}, stateAllocated
	}
	return contract.TypeFulfilmentBackordered, contract.FulfilmentBackordered{FulfilmentOrderID: orderID,
		Revision: revision, Allocations: als, Missing: missing}, stateBackordered
}

func validate(cmd contract.AllocateFulfilmentOrder) error {
	if cmd.FulfilmentOrderID == "" || len(cmd.Items) == 0 {
		return fmt.Errorf("allocate: fulfilment order needs an id and items")
	}
	seen := map[string]bool{}
	for _, it := range cmd.Items {
		if it.ItemCode == "" || it.Quantity <= 0 || it.Quantity > domain.MaxBatchQty || seen[it.ItemCode] {
			return fmt.Errorf("allocate %s: bad item %q ×%d", cmd.FulfilmentOrderID, it.ItemCode, it.Quantity)
		}
		seen[it.ItemCode] = true
	}
	return nil
}
