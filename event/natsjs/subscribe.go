package natsjs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/dispatch"
	"github.com/nats-io/nats.go/jetstream"
)

// Subscribe opens the durable subscription opts.Name: one pull consumer per
// topic, named <name>_<topic>, delivering from the start of the stream the
// first time and from its acknowledged position after that.
func (b *Broker) Subscribe(ctx context.Context, opts event.SubscribeOptions, h event.DeliveryHandler) (event.Subscription, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.Defaults()
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &subscription{cancel: cancel}
	s.pool = dispatch.New(opts.Workers, 64, func(d *delivery) {
		if s.stopping() {
			// Closing: hand the message back at once instead of waiting
			// for the ack wait to expire.
			_ = d.msg.Nak()
			return
		}
		h(hctx, d)
	})
	for _, topic := range opts.Topics {
		if err := s.consume(ctx, b, opts, topic); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

type subscription struct {
	mu      sync.Mutex
	closed  bool
	cancel  context.CancelFunc
	pool    *dispatch.Pool[*delivery]
	running []jetstream.ConsumeContext
	once    sync.Once
}

func (s *subscription) consume(ctx context.Context, b *Broker, opts event.SubscribeOptions, topic string) error {
	name := opts.Name + "_" + topic
	cons, err := b.js.CreateOrUpdateConsumer(ctx, b.cfg.Stream, jetstream.ConsumerConfig{
		Durable:       name,
		Description:   "banchan subscription " + opts.Name + " on topic " + topic,
		FilterSubject: b.cfg.Prefix + "." + topic + ".>",
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       opts.AckWait,
		MaxDeliver:    -1, // the consumer decides when to dead-letter
		MaxAckPending: opts.Workers * 128,
	})
	if err != nil {
		return fmt.Errorf("natsjs: consumer %s: %w", name, err)
	}
	log := b.cfg.Logger.With("consumer", name)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		s.pool.Submit(m.Headers().Get(headerKey), &delivery{msg: m})
	}, jetstream.PullMaxMessages(opts.Workers*64), jetstream.ConsumeErrHandler(
		func(_ jetstream.ConsumeContext, err error) {
			if !errors.Is(err, jetstream.ErrNoHeartbeat) {
				log.Warn("consume", "err", err)
			}
		}))
	if err != nil {
		return fmt.Errorf("natsjs: consume %s: %w", name, err)
	}
	s.mu.Lock()
	s.running = append(s.running, cc)
	s.mu.Unlock()
	return nil
}

func (s *subscription) stopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops pulling, lets handlers in flight finish and hands queued
// messages back to the broker.
func (s *subscription) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		running := s.running
		s.mu.Unlock()
		for _, cc := range running {
			cc.Stop()
			<-cc.Closed()
		}
		s.pool.Close()
		s.cancel()
	})
	return nil
}

// delivery adapts a JetStream message to event.Delivery.
type delivery struct{ msg jetstream.Msg }

func (d *delivery) Data() []byte    { return d.msg.Data() }
func (d *delivery) Subject() string { return d.msg.Subject() }
func (d *delivery) Attempt() int {
	md, err := d.msg.Metadata()
	if err != nil {
		return 1
	}
	return int(md.NumDelivered)
}
func (d *delivery) Ack(ctx context.Context) error { return d.msg.Ack() }
func (d *delivery) Nak(ctx context.Context, delay time.Duration) error {
	return d.msg.NakWithDelay(delay)
}
func (d *delivery) Term(ctx context.Context) error { return d.msg.Term() }
