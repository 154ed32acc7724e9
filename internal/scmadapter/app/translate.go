// Package app is the anti-corruption layer between ordering and the SCM:
// it filters the order events the SCM does not handle, translates orders
// into the SCM's fulfilment model and SCM outcomes back into order terms.
// Every handler runs inside the inbox transaction.
package app

import (
	"context"
	"log/slog"
	"strings"

	"github.com/banchan/banchan/event"
	ordering "github.com/banchan/banchan/internal/ordering/contract"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scmadapter/adapters"
	out "github.com/banchan/banchan/internal/scmadapter/contract"
)

// App is the adapter.
type App struct {
	maps adapters.Mappings
	log  *slog.Logger
}

// New builds the adapter.
func New(log *slog.Logger) *App { return &App{log: log} }

// mapping returns how a SKU appears in the SCM: the table's entry, or by
// default the same code, physical unless it is a gift card.
func (a *App) mapping(ctx context.Context, q event.Querier, sku string) (adapters.Mapping, error) {
	m, ok, err := a.maps.Lookup(ctx, q, sku)
	if err != nil || ok {
		return m, err
	}
	return adapters.Mapping{SKU: sku, ItemCode: sku, Physical: !strings.HasPrefix(strings.ToUpper(sku), "GIFT")}, nil
}

func (a *App) skuOf(ctx context.Context, q event.Querier, itemCode string) (string, error) {
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
	cmd := contract.AllocateFulfilmentOrder{FulfilmentOrderID: o.ID, CartID: o.CartID, ShipTo: shipTo(o.DeliveryAddress)}
	for _, l := range o.Lines {
		m, err := a.mapping(ctx, tx, l.SKU)
		if err != nil {
			return err
		}
		if m.Physical {
			cmd.Items = append(cmd.Items, contract.Item{ItemCode: m.ItemCode, Quantity: l.Qty})
		}
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
	lines, err := a.lines(ctx, tx, f.Allocations)
	if err != nil {
		return err
	}
	return a.emit(ctx, tx, env, out.TypeOrderAllocated, f.FulfilmentOrderID,
		out.OrderAllocated{OrderID: f.FulfilmentOrderID, Revision: f.Revision, Lines: lines})
}

// FulfilmentBackordered tells ordering that the order waits for stock.
func (a *App) FulfilmentBackordered(ctx context.Context, tx event.Tx, env event.Envelope, f contract.FulfilmentBackordered) error {
	lines, err := a.lines(ctx, tx, f.Allocations)
	if err != nil {
		return err
	}
	missing := make([]out.MissingLine, len(f.Missing))
	for i, m := range f.Missing {
		sku, err := a.skuOf(ctx, tx, m.ItemCode)
		if err != nil {
			return err
		}
		missing[i] = out.MissingLine{SKU: sku, Qty: m.Quantity}
	}
	return a.emit(ctx, tx, env, out.TypeOrderBackordered, f.FulfilmentOrderID,
		out.OrderBackordered{OrderID: f.FulfilmentOrderID, Revision: f.Revision, Lines: lines, Missing: missing})
}

func (a *App) lines(ctx context.Context, q event.Querier, als []contract.Allocation) ([]out.LineAllocation, error) {
	lines := make([]out.LineAllocation, len(als))
	for i, al := range als {
		sku, err := a.skuOf(ctx, q, al.ItemCode)
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
