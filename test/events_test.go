package systemtest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/banchan/banchan/internal/ordering/contract"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// published is what the stream says about the orders the system stored.
type published struct {
	orders   map[string]contract.OrderPlaced // by order id
	messages int                             // OrderPlaced messages, duplicates included
}

// publishedOrders reads every OrderPlaced event of the stream. The
// ordering service's published language is the one place that lists every
// order, including those whose 201 never reached a client.
func publishedOrders(ctx context.Context, natsURL, stream, prefix string) (published, error) {
	out := published{orders: map[string]contract.OrderPlaced{}}
	nc, err := nats.Connect(natsURL, nats.Timeout(5*time.Second))
	if err != nil {
		return out, fmt.Errorf("nats %s: %w", natsURL, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return out, err
	}
	subject := prefix + "." + contract.Topic + "." + contract.TypeOrderPlaced
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		return out, fmt.Errorf("stream %s: %w", stream, err)
	}
	for {
		n, last, err := out.fetch(cons)
		if err != nil || n == 0 || last {
			return out, err
		}
	}
}

// fetch reads one batch; last reports that the stream had nothing more.
func (p *published) fetch(cons jetstream.Consumer) (n int, last bool, err error) {
	batch, err := cons.Fetch(500, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		return 0, false, err
	}
	for m := range batch.Messages() {
		n++
		p.messages++
		var env struct {
			Data contract.OrderPlaced `json:"data"`
		}
		if err := json.Unmarshal(m.Data(), &env); err != nil || env.Data.ID == "" {
			return n, false, fmt.Errorf("OrderPlaced message %q does not decode: %v", m.Data(), err)
		}
		p.orders[env.Data.ID] = env.Data
		if md, err := m.Metadata(); err == nil && md.NumPending == 0 {
			last = true
		}
	}
	return n, last, batch.Error()
}
