// Package app is the anti-corruption layer between ordering and the SCM:
// it filters the order events the SCM does not handle, translates orders
// into the SCM's fulfilment model and SCM outcomes back into order terms.
// Every handler runs inside the inbox transaction.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/banchan/banchan/event"
	ordering "github.com/banchan/banchan/internal/ordering/contract"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scmadapter/adapters"
	out "github.com/banchan/banchan/internal/scmadapter/contract"
)

// Catalog answers whether the SCM knows an item code (a query: in process,
// or over the SCM's REST API).
type Catalog interface {
	Known(ctx context.Context, itemCode string) (bool, error)
}

// App is the adapter.
type App struct {
	maps    adapters.Mappings
	orders  adapters.Orders
	catalog Catalog
	log     *slog.Logger
}

// New builds the adapter; a nil catalog trusts every mapping.
func New(catalog Catalog, log *slog.Logger) *App { return &App{catalog: catalog, log: log} }

// Mappings is the SKU mapping table (for the operators' API).
func (a *App) Mappings() adapters.Mappings { return a.maps }

// resolve returns how a SKU appears in the SCM: the table's entry
// (explicit), or by default the same code, physical unless it is a gift
// card; and whether it can be ordered: a non-physical item always, a
// physical one when the SCM knows its item (a nil catalog trusts it).
func (a *App) resolve(ctx context.Context, q event.Querier, sku string) (m adapters.Mapping, explicit, known bool, err error) {
	m, explicit, err = a.maps.Lookup(ctx, q, sku)
	if err != nil {
		return m, explicit, false, err
	}
	if !explicit {
		m = adapters.Mapping{SKU: sku, ItemCode: sku, Physical: !IsGiftCard(sku)}
	}
	if !m.Physical || a.catalog == nil {
		return m, explicit, true, nil
	}
	known, err = a.catalog.Known(ctx, m.ItemCode)
	if err != nil {
		return m, explicit, false, fmt.Errorf("ask the SCM about item %s: %w", m.ItemCode, err)
	}
	return m, explicit, known, nil
}

// Orderable reports whether an order line of the SKU can be fulfilled,
// and by which SCM item ("" when it needs no fulfilment): ordering asks
// before it accepts an order.
func (a *App) Orderable(ctx context.Context, q event.Querier, sku string) (item string, known bool, err error) {
	m, _, known, err := a.resolve(ctx, q, sku)
	if !m.Physical {
		return "", known, err
	}
	return m.ItemCode, known, err
}

// mapping returns how a SKU appears in the SCM (see resolve). A physical
// item the SCM does not know cannot be translated: that is permanent until
// an operator fixes the mapping, so the message goes to the dead letters
// (and is redriven after the fix).
func (a *App) mapping(ctx context.Context, q event.Querier, sku string) (adapters.Mapping, error) {
	m, explicit, known, err := a.resolve(ctx, q, sku)
	if err != nil {
		return m, fmt.Errorf("sku %s: %w", sku, err)
	}
	if known {
		return m, nil
	}
	if explicit {
		return m, event.Permanent(fmt.Errorf("SKU %s maps to SCM item %s, which the SCM does not know: "+
			"fix the mapping (PUT /v1/sku-mappings/%s) and redrive", sku, m.ItemCode, sku))
	}
	return m, event.Permanent(fmt.Errorf("no SKU mapping for %s and the SCM has no item %s: "+
		"add one (PUT /v1/sku-mappings/%s) and redrive", sku, sku, sku))
}

// IsGiftCard reports whether a SKU is a gift card by default (no mapping):
// a non-physical item the SCM never sees.
func IsGiftCard(sku string) bool { return strings.HasPrefix(strings.ToUpper(sku), "GIFT") }

// skuOf is the SKU an item of the order stands for: the order's own when
// it was forwarded with it, else the mapping table's (or the item code).
func (a *App) skuOf(ctx context.Context, q event.Querier, skus map[string]string, itemCode string) (string, error) {
	if sku, ok := skus[itemCode]; ok {
		return sku, nil
	}
	sku, ok, err := a.maps.ReverseLookup(ctx, q, itemCode)
	if err != nil || ok {
		return sku, err
	}
	return itemCode, nil
}

// OrderPlaced turns a placed order into an AllocateFulfilmentOrder command,
// dropping non-physical lines; an order with none never reaches the SCM.
func (a *App) OrderPlaced(ctx context.Context, tx event.Tx, env event.Envelope, o ordering.OrderPlaced) error {
	if o.ID == "" {
		return event.Permanent(errMissing("OrderPlaced.id"))
	}
	if cancelled, err := a.orders.Cancelled(ctx, tx, o.ID); err != nil || cancelled {
		return err // cancelled before it reached the SCM: nothing to fulfil
	}
	cmd := contract.AllocateFulfilmentOrder{FulfilmentOrderID: o.ID, CartID: o.CartID,
		ShipTo: shipTo(o.DeliveryAddress), DeliverySlot: o.DeliverySlot}
	skus := map[string]string{} // item -> the order's SKU for it
	index := map[string]int{}   // item -> its place in cmd.Items
	for _, l := range o.Lines {
		m, err := a.mapping(ctx, tx, l.SKU)
		if err != nil {
			return err
		}
		if !m.Physical {
			continue
		}
		if i, ok := index[m.ItemCode]; ok {
			// Two SKUs of one item (ordering refuses that, but a mapping
			// may change after): one line of the whole quantity.
			cmd.Items[i].Quantity += l.Qty
			continue
		}
		index[m.ItemCode], skus[m.ItemCode] = len(cmd.Items), l.SKU
		cmd.Items = append(cmd.Items, contract.Item{ItemCode: m.ItemCode, Quantity: l.Qty})
	}
	if len(cmd.Items) == 0 {
		a.log.Info("order filtered: nothing for the SCM", "order", o.ID)
		return nil
	}
	next, err := event.New(contract.CommandTopic, contract.TypeAllocateFulfilmentOrder, out.Source, o.ID, cmd)
	if err != nil {
		return err
	}
	next.Stream = "scmadapter/order-" + o.ID
	if err := a.orders.Forwarded(ctx, tx, o.ID, skus); err != nil {
		return err
	}
	return tx.Append(ctx, next.CausedBy(env))
}

func shipTo(ad ordering.Address) contract.ShipTo {
	addr := ad.Line1
	if ad.Line2 != "" {
		addr += ", " + ad.Line2
	}
	return contract.ShipTo{Consignee: ad.Name, Address: addr, Postcode: ad.Postcode, Phone: ad.Phone}
}

// FulfilmentAllocated tells ordering that the order is allocated.
func (a *App) FulfilmentAllocated(ctx context.Context, tx event.Tx, env event.Envelope, f contract.FulfilmentAllocated) error {
	skus, err := a.orders.SKUs(ctx, tx, f.FulfilmentOrderID)
	if err != nil {
		return err
	}
	lines, err := a.lines(ctx, tx, skus, f.Allocations)
	if err != nil {
		return err
	}
	return a.emit(ctx, tx, env, out.TypeOrderAllocated, f.FulfilmentOrderID,
		out.OrderAllocated{OrderID: f.FulfilmentOrderID, Revision: f.Revision, Lines: lines})
}

// FulfilmentBackordered tells ordering that the order waits for stock.
func (a *App) FulfilmentBackordered(ctx context.Context, tx event.Tx, env event.Envelope, f contract.FulfilmentBackordered) error {
	skus, err := a.orders.SKUs(ctx, tx, f.FulfilmentOrderID)
	if err != nil {
		return err
	}
	lines, err := a.lines(ctx, tx, skus, f.Allocations)
	if err != nil {
		return err
	}
	missing := make([]out.MissingLine, len(f.Missing))
	for i, m := range f.Missing {
		sku, err := a.skuOf(ctx, tx, skus, m.ItemCode)
		if err != nil {
			return err
		}
		missing[i] = out.MissingLine{SKU: sku, Qty: m.Quantity}
	}
	return a.emit(ctx, tx, env, out.TypeOrderBackordered, f.FulfilmentOrderID,
		out.OrderBackordered{OrderID: f.FulfilmentOrderID, Revision: f.Revision, Lines: lines, Missing: missing})
}

func (a *App) lines(ctx context.Context, q event.Querier, skus map[string]string, als []contract.Allocation) ([]out.LineAllocation, error) {
	lines := make([]out.LineAllocation, len(als))
	for i, al := range als {
		sku, err := a.skuOf(ctx, q, skus, al.ItemCode)
		if err != nil {
			return nil, err
		}
		lines[i] = out.LineAllocation{SKU: sku, Qty: al.Quantity, BatchRef: al.BatchRef}
	}
	return lines, nil
}

func (a *App) emit(ctx context.Context, tx event.Tx, cause event.Envelope, typ, orderID string, data any) error {
	if orderID == "" {
		return event.Permanent(errMissing(cause.Type + ".fulfilmentOrderId"))
	}
	env, err := event.New(out.Topic, typ, out.Source, orderID, data)
	if err != nil {
		return err
	}
	env.Stream = "scmadapter/order-" + orderID
	return tx.Append(ctx, env.CausedBy(cause))
}

type errMissing string

func (e errMissing) Error() string { return "missing " + string(e) }
