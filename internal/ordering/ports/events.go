package ports

import (
	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/app"
	adapter "github.com/banchan/banchan/internal/scmadapter/contract"
)

// Topics the ordering subscription reads.
var Topics = []string{adapter.Topic}

// Bind registers the ordering handlers on its consumer; each runs inside
// the inbox transaction, so a redelivered event changes nothing.
func Bind(c *event.Consumer, store event.Store, a *app.App) {
	c.Handle(adapter.TypeOrderAllocated, event.WithInbox(store, c.Name(), event.Typed(a.OrderAllocated)))
	c.Handle(adapter.TypeOrderBackordered, event.WithInbox(store, c.Name(), event.Typed(a.OrderBackordered)))
}
