package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/adapters"
	"github.com/banchan/banchan/internal/ordering/contract"
	"github.com/banchan/banchan/internal/ordering/domain"
)

// Errors of PlaceOrder.
var (
	ErrUnknownSKU          = errors.New("unknown SKU")
	ErrIdempotencyMismatch = errors.New("already used with another request")
	// ErrCatalogUnavailable: whether the order's SKUs can be ordered could
	// not be learnt (the SCM did not answer); the client may try again.
	ErrCatalogUnavailable = errors.New("the SCM catalog cannot be reached; try again")
)

// PlaceOrder is a customer's order with an optional Idempotency-Key and the
// hash of the request that carried it.
type PlaceOrder struct {
	Request     domain.PlaceRequest
	Key         string
	RequestHash string
}

// Placed is PlaceOrder's answer: the response body, and whether it replays
// the first answer for the key.
type Placed struct {
	OrderID  string
	Body     []byte
	Replayed bool
}

// PlaceOrder validates the order, checks its SKUs and commits the order with
// its OrderPlaced event (and the key's record) in one transaction.
func (a *App) PlaceOrder(ctx context.Context, cmd PlaceOrder) (Placed, error) {
	if err := cmd.Request.Validate(); err != nil {
		return Placed{}, err
	}
	// A retry of an order already taken gets its first answer, whatever the
	// catalog says now (the transaction below looks again, for races).
	if prev, ok, err := a.replay(ctx, a.store.Read(), cmd.Key, cmd.RequestHash); err != nil || ok {
		return Placed{OrderID: prev.OrderID, Body: prev.Response, Replayed: ok}, err
	}
	if err := a.checkSKUs(ctx, cmd.Request.Lines); err != nil {
		return Placed{}, err
	}
	var out Placed
	err := a.store.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		var err error
		out, err = a.place(ctx, tx, cmd)
		return err
	})
	return out, err
}

func (a *App) place(ctx context.Context, tx event.Tx, cmd PlaceOrder) (Placed, error) {
	if prev, ok, err := a.replay(ctx, tx, cmd.Key, cmd.RequestHash); err != nil || ok {
		return Placed{OrderID: prev.OrderID, Body: prev.Response, Replayed: ok}, err
	}
	o := domain.NewOrder(a.newID(), cmd.Request, a.now())
	body, err := json.Marshal(o)
	if err != nil {
		return Placed{}, err
	}
	if err := a.orders.Insert(ctx, tx, o); err != nil {
		return Placed{}, err
	}
	env, err := orderPlaced(o)
	if err != nil {
		return Placed{}, err
	}
	if err := tx.Append(ctx, env.Traced(ctx)); err != nil {
		return Placed{}, err
	}
	if err := a.remember(ctx, tx, cmd.Key, cmd.RequestHash, o.ID, body); err != nil {
		return Placed{}, err
	}
	return Placed{OrderID: o.ID, Body: body}, nil
}

// replay returns the first answer recorded for an Idempotency-Key (ok) and
// refuses the key with another request; no key means no replay.
func (a *App) replay(ctx context.Context, q event.Querier, key, hash string) (adapters.IdempotentResponse, bool, error) {
	if key == "" {
		return adapters.IdempotentResponse{}, false, nil
	}
	prev, ok, err := a.idem.Get(ctx, q, key)
	if err != nil {
		return prev, false, err
	}
	if ok && prev.RequestHash != hash {
		return adapters.IdempotentResponse{}, false, fmt.Errorf("%q %w", key, ErrIdempotencyMismatch)
	}
	return prev, ok, nil
}

// remember records the answer given for an Idempotency-Key, if any.
func (a *App) remember(ctx context.Context, tx event.Tx, key, hash, orderID string, body []byte) error {
	if key == "" {
		return nil
	}
	rec := adapters.IdempotentResponse{RequestHash: hash, OrderID: orderID, Response: body}
	return a.idem.Put(ctx, tx, key, rec, a.now())
}

func orderPlaced(o domain.Order) (event.Envelope, error) {
	a := o.DeliveryAddress
	data := contract.OrderPlaced{ID: o.ID, CustomerID: o.CustomerID, Lines: contractLines(o), TotalAmount: o.TotalAmount,
		DeliveryAddress: contract.Address{Name: a.Name, Line1: a.Line1, Line2: a.Line2, Postcode: a.Postcode, Phone: a.Phone},
		PlacedAt:        o.PlacedAt, CartID: o.CartID, DeliverySlot: o.DeliverySlot}
	env, err := event.New(contract.Topic, contract.TypeOrderPlaced, contract.Source, o.ID, data)
	env.Stream = "ordering/order-" + o.ID
	return env, err
}

// contractLines are the order's lines in the published language.
func contractLines(o domain.Order) []contract.Line {
	lines := make([]contract.Line, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = contract.Line{SKU: l.SKU, Qty: l.Qty, UnitPrice: l.UnitPrice}
	}
	return lines
}

// checkSKUs asks the catalog about each line: a SKU it does not know, or
// one that stands for the same SCM item as an earlier line, is refused
// with the line named.
func (a *App) checkSKUs(ctx context.Context, lines []domain.Line) error {
	var bad domain.ValidationError
	lineOf := map[string]int{} // SCM item -> the line that has it
	for i, l := range lines {
		item, ok, err := a.catalog.Resolve(ctx, l.SKU)
		if err != nil {
			return fmt.Errorf("sku %s: %w", l.SKU, err)
		}
		field := fmt.Sprintf("lines[%d].sku", i)
		if !ok {
			reason := "unknown SKU " + l.SKU
			if item != "" && item != l.SKU {
				reason = fmt.Sprintf("unknown SKU %s: it maps to SCM item %s, which the SCM does not know", l.SKU, item)
			}
			bad = append(bad, domain.FieldError{Field: field, Reason: reason})
			continue
		}
		if j, dup := lineOf[item]; dup && item != "" {
			bad = append(bad, domain.FieldError{Field: field, Reason: fmt.Sprintf(
				"%s is the same item as lines[%d] (%s); put the whole quantity on one line", l.SKU, j, lines[j].SKU)})
			continue
		}
		lineOf[item] = i
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %w", ErrUnknownSKU, bad)
	}
	return nil
}
