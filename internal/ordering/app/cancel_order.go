package app

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/contract"
	"github.com/banchan/banchan/internal/ordering/domain"
)

// CancelOrder asks to cancel an order, with an optional reason and an
// optional Idempotency-Key and the hash of the request that carried it.
type CancelOrder struct {
	OrderID     string
	Reason      string
	Key         string
	RequestHash string
}

// Cancelled is CancelOrder's answer: the order as a response body, and
// whether it replays the first answer for the key.
type Cancelled struct {
	Body     []byte
	Replayed bool
}

// CancelOrder cancels an order that has not shipped and commits its
// OrderCancelled event in the same transaction. Cancelling a cancelled order
// answers with the order and raises nothing; a shipped or delivered order
// is refused with a domain.TooLateError; an unknown one is
// adapters.ErrNotFound.
func (a *App) CancelOrder(ctx context.Context, cmd CancelOrder) (Cancelled, error) {
	if n := utf8.RuneCountInString(cmd.Reason); n > domain.MaxReasonLen {
		return Cancelled{}, domain.ValidationError{{Field: "reason",
			Reason: fmt.Sprintf("at most %d characters", domain.MaxReasonLen)}}
	}
	var out Cancelled
	err := a.store.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		var err error
		out, err = a.cancel(ctx, tx, cmd)
		return err
	})
	// The errors name the order already ("order <id>: order not found").
	return out, err
}

func (a *App) cancel(ctx context.Context, tx event.Tx, cmd CancelOrder) (Cancelled, error) {
	if prev, ok, err := a.replay(ctx, tx, cmd.Key, cmd.RequestHash); err != nil || ok {
		return Cancelled{Body: prev.Response, Replayed: ok}, err
	}
	var o domain.Order
	var changed bool
	err := a.orders.Update(ctx, tx, cmd.OrderID, func(ord *domain.Order) error {
		var err error
		changed, err = ord.Cancel(cmd.Reason, a.now())
		o = *ord
		return err
	})
	if err != nil {
		return Cancelled{}, err
	}
	if changed {
		env, err := orderCancelled(o)
		if err != nil {
			return Cancelled{}, err
		}
		if err := tx.Append(ctx, env.Traced(ctx)); err != nil {
			return Cancelled{}, err
		}
	}
	body, err := json.Marshal(o)
	if err != nil {
		return Cancelled{}, err
	}
	if err := a.remember(ctx, tx, cmd.Key, cmd.RequestHash, o.ID, body); err != nil {
		return Cancelled{}, err
	}
	return Cancelled{Body: body}, nil
}

// orderCancelled is the OrderCancelled envelope of a cancelled order, on
// the order's stream like its OrderPlaced.
func orderCancelled(o domain.Order) (event.Envelope, error) {
	data := contract.OrderCancelled{ID: o.ID, CustomerID: o.CustomerID, Lines: contractLines(o),
		TotalAmount: o.TotalAmount, Reason: o.Cancellation.Reason, CancelledAt: o.Cancellation.At}
	env, err := event.New(contract.Topic, contract.TypeOrderCancelled, contract.Source, o.ID, data)
	env.Stream = "ordering/order-" + o.ID
	return env, err
}
