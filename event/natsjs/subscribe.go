package natsjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/dispatch"
	"github.com/nats-io/nats.go"
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
	s := &subscription{cancel: cancel, quit: make(chan struct{})}
	// Deliveries already fetched are handled even while closing: a message
	// merely handed back would, on an embedded server restarted with the
	// process, still count as delivered and wait out the ack wait.
	s.pool = dispatch.New(opts.Workers, 256, func(d *delivery) { h(hctx, d) })
	// Every topic's owner first: a member refused on one topic binds no
	// other topic's consumer to its store on the way.
	owners := make(map[string]string, len(opts.Topics))
	for _, topic := range opts.Topics {
		owner, err := b.checkOwner(ctx, opts.Name+"_"+topic, opts)
		if err != nil {
			_ = s.Close()
			return nil, err
		}
		owners[topic] = owner
	}
	for _, topic := range opts.Topics {
		if err := s.consume(ctx, b, opts, topic, owners[topic]); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

type subscription struct {
	quit   chan struct{}
	wg     sync.WaitGroup
	cancel context.CancelFunc
	pool   *dispatch.Pool[*delivery]
	once   sync.Once
}

// ownerMark precedes the owner in a consumer's description: JetStream 2.9
// has no consumer metadata, and the description is kept with the consumer
// for as long as the stream.
const ownerMark = "; store "

// checkOwner refuses a member of the subscription whose store is not the
// one the consumer name is bound to (event.ErrOwnedElsewhere), unless it
// takes the subscription over. A consumer not there yet, or made before
// owners were kept, is bound to nothing. It returns the owner the
// consumer is to keep: the member's, or for a member that names none,
// the one it has.
func (b *Broker) checkOwner(ctx context.Context, name string, opts event.SubscribeOptions) (string, error) {
	if opts.TakeOver {
		return opts.Owner, nil
	}
	cons, err := b.js.Consumer(ctx, b.cfg.Stream, name)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return opts.Owner, nil
	}
	if err != nil {
		return "", fmt.Errorf("natsjs: consumer %s: %w", name, err)
	}
	desc := cons.CachedInfo().Config.Description
	i := strings.LastIndex(desc, ownerMark)
	if i < 0 {
		return opts.Owner, nil
	}
	owner := desc[i+len(ownerMark):]
	if opts.Owner != "" && owner != opts.Owner {
		return "", fmt.Errorf("natsjs: consumer %s of stream %s is bound to store %s, and this member's store is %s: %w",
			name, b.cfg.Stream, owner, opts.Owner, event.ErrOwnedElsewhere)
	}
	return owner, nil
}

// fetchWait bounds one pull request: how long Close may wait for the
// fetch in flight to end.
const fetchWait = 500 * time.Millisecond

func (s *subscription) consume(ctx context.Context, b *Broker, opts event.SubscribeOptions, topic, owner string) error {
	name := opts.Name + "_" + topic
	desc := "banchan subscription " + opts.Name + " on topic " + topic
	if owner != "" {
		desc += ownerMark + owner
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, b.cfg.Stream, jetstream.ConsumerConfig{
		Durable:       name,
		Description:   desc,
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
	if opts.Owner != "" && !opts.TakeOver {
		// A member on another store may have created it at the same moment.
		if _, err := b.checkOwner(ctx, name, opts); err != nil {
			return err
		}
	}
	log := b.cfg.Logger.With("consumer", name)
	if info := cons.CachedInfo(); info != nil && (info.NumAckPending > 0 || info.NumPending > 0) {
		log.Info("resuming subscription", "pending", info.NumPending, "unacknowledged", info.NumAckPending,
			"redelivery_after", opts.AckWait)
	}
	s.wg.Add(1)
	go s.fetchLoop(cons, opts.Workers*64, log)
	return nil
}

// fetchLoop pulls batches until Close. Every message of a fetched batch is
// handed to the workers, even while closing: a pull request is answered
// completely, so nothing the server counts as delivered is dropped in the
// client (a message dropped that way would wait out the ack wait).
func (s *subscription) fetchLoop(cons jetstream.Consumer, batch int, log *slog.Logger) {
	defer s.wg.Done()
	backoff := 100 * time.Millisecond
	for {
		select {
		case <-s.quit:
			return
		default:
		}
		mb, err := cons.Fetch(batch, jetstream.FetchMaxWait(fetchWait))
		if err == nil {
			for m := range mb.Messages() {
				s.pool.Submit(m.Headers().Get(headerKey), &delivery{msg: m})
			}
			err = mb.Error()
		}
		if err == nil || errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
			backoff = 100 * time.Millisecond
			continue
		}
		log.Warn("fetch", "err", err, "retry_in", backoff)
		select {
		case <-s.quit:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// Close stops pulling and lets the handlers finish what was already fetched.
func (s *subscription) Close() error {
	s.once.Do(func() {
		close(s.quit)
		s.wg.Wait()
		s.pool.Close()
		s.cancel()
	})
	return nil
}

// delivery adapts a JetStream message to event.Delivery.
type delivery struct{ msg jetstream.Msg }

func (d *delivery) Data() []byte    { return d.msg.Data() }
func (d *delivery) Subject() string { return d.msg.Subject() }

// EventType is the type the publisher put in the header, so that a
// subscription can skip a type it does not handle without decoding it.
func (d *delivery) EventType() string { return d.msg.Headers().Get(headerType) }
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
