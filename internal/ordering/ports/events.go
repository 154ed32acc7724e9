package ports

import (
	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/app"
	"github.com/banchan/banchan/internal/ordering/contract"
	adapter "github.com/banchan/banchan/internal/scmadapter/contract"
)

// Topics the ordering subscription reads: the SCM adapter's progress
// news, and ordering's own topic, whose OrderPlaced and OrderCancelled
// drive the customer aggregates.
var Topics = []string{adapter.Topic, contract.Topic}

// Handlers are the ordering handlers by event type, for the subscription
// named subscription. Each runs inside the inbox transaction, so a
// redelivered event changes nothing.
func Handlers(store event.Store, subscription string, a *app.App) map[string]event.HandlerFunc {
	in := func(h event.TxHandler) event.HandlerFunc { return event.WithInbox(store, subscription, h) }
	return map[string]event.HandlerFunc{
		adapter.TypeOrderAllocated:            in(event.Typed(a.OrderAllocated)),
		adapter.TypeOrderBackordered:          in(event.Typed(a.OrderBackordered)),
		adapter.TypeOrderProgressed:           in(event.Typed(a.OrderProgressed)),
		adapter.TypeOrderFulfilmentCancelled:  in(event.Typed(a.OrderFulfilmentCancelled)),
		adapter.TypeOrderCancellationRejected: in(event.Typed(a.OrderCancellationRejected)),
		adapter.TypeOrderDelayed:              in(event.Typed(a.OrderDelayed)),
		contract.TypeOrderPlaced:              in(event.Typed(a.CountPlacedOrder)),
		contract.TypeOrderCancelled:           in(event.Typed(a.UncountCancelledOrder)),
	}
}

// Bind registers the ordering handlers on its consumer.
func Bind(c *event.Consumer, store event.Store, a *app.App) {
	for typ, h := range Handlers(store, c.Name(), a) {
		c.Handle(typ, h)
	}
}
