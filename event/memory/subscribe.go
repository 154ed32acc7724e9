package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/dispatch"
)

// perWorker bounds the deliveries handed to a subscription and not yet
// handled, per worker: the counterpart of JetStream's max ack pending, and
// what keeps a slow subscription from taking every message from its
// competitors.
const perWorker = 32

// Subscribe opens the durable subscription opts.Name on each of its topics,
// starting from the beginning of the log the first time a name is used and
// from where the name left off after that.
func (b *Broker) Subscribe(ctx context.Context, opts event.SubscribeOptions, h event.DeliveryHandler) (event.Subscription, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.Defaults()
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &subscription{b: b, opts: opts, capacity: opts.Workers * perWorker, cancel: cancel}
	s.pool = dispatch.New(opts.Workers, s.capacity, func(d *delivery) { s.run(hctx, h, d) })
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.pool.Close()
		cancel()
		return nil, event.ErrClosed
	}
	if owner := b.owners[opts.Name]; opts.Owner != "" && owner != "" && owner != opts.Owner && !opts.TakeOver {
		s.pool.Close()
		cancel()
		return nil, fmt.Errorf("subscription %s is bound to store %s, and this member's store is %s: %w",
			opts.Name, owner, opts.Owner, event.ErrOwnedElsewhere)
	}
	if opts.Owner != "" {
		b.owners[opts.Name] = opts.Owner
	}
	topics := slices.Clone(opts.Topics)
	slices.Sort(topics)
	for _, topic := range slices.Compact(topics) {
		c := b.cursor(opts.Name, topic)
		c.members = append(c.members, s)
		s.cursors = append(s.cursors, c)
	}
	b.subs[s] = struct{}{}
	for _, c := range s.cursors {
		c.pump()
	}
	return s, nil
}

// subscription is one open member of a durable subscription.
type subscription struct {
	b        *Broker
	opts     event.SubscribeOptions
	pool     *dispatch.Pool[*delivery]
	cursors  []*cursor
	capacity int
	cancel   context.CancelFunc
	once     sync.Once

	// Guarded by b.mu.
	inflight int // handed to the pool and not yet finished
	closed   bool
}

func (s *subscription) run(ctx context.Context, h event.DeliveryHandler, d *delivery) {
	if s.isClosed() {
		// Closing: hand the message back at once rather than after the
		// ack wait, as natsjs does.
		s.b.mu.Lock()
		d.c.settle(d.seq, d.gen, false, 0)
		s.b.mu.Unlock()
	} else {
		h(ctx, d)
	}
	s.finished()
}

func (s *subscription) isClosed() bool {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	return s.closed
}

// finished frees the delivery's room and refills it.
func (s *subscription) finished() {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.inflight--
	if s.b.closed {
		return
	}
	for _, c := range s.cursors {
		c.pump()
	}
}

// Close stops deliveries to this member, waits for its handlers in flight and
// hands its queued messages back. Unsettled messages stay with the
// subscription name and are redelivered after their ack wait.
func (s *subscription) Close() error {
	s.once.Do(func() {
		s.b.mu.Lock()
		s.closed = true
		for _, c := range s.cursors {
			c.remove(s)
		}
		delete(s.b.subs, s)
		s.b.mu.Unlock()
		s.pool.Close()
		s.cancel()
	})
	return nil
}

// errSettled reports a second settlement of one delivery.
var errSettled = errors.New("memory broker: delivery already settled")

// delivery implements event.Delivery.
type delivery struct {
	c       *cursor
	seq     int64
	gen     int
	attempt int
	msg     message
	settled atomic.Bool
}

// Data returns the encoded envelope.
func (d *delivery) Data() []byte { return d.msg.data }

// Subject returns <topic>.<type>.
func (d *delivery) Subject() string { return d.msg.subject }

// Attempt counts deliveries of the message to this subscription name, from 1.
func (d *delivery) Attempt() int { return d.attempt }

// Ack settles the message as done.
func (d *delivery) Ack(ctx context.Context) error { return d.settle(true, 0) }

// Nak redelivers the message after delay.
func (d *delivery) Nak(ctx context.Context, delay time.Duration) error { return d.settle(false, delay) }

// Term drops the message for good.
func (d *delivery) Term(ctx context.Context) error { return d.settle(true, 0) }

func (d *delivery) settle(done bool, delay time.Duration) error {
	if !d.settled.CompareAndSwap(false, true) {
		return errSettled
	}
	d.c.b.mu.Lock()
	defer d.c.b.mu.Unlock()
	d.c.settle(d.seq, d.gen, done, delay)
	return nil
}
