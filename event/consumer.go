package event

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// HandlerFunc handles one envelope. nil acknowledges it; an error asks for a
// retry unless it is Permanent.
type HandlerFunc func(ctx context.Context, env Envelope) error

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	// Name is the durable subscription name (usually the service's name).
	Name string
	// Topics to receive.
	Topics []string
	// Workers bounds concurrent handler calls (default 8).
	Workers int
	// AckWait before the broker redelivers an unsettled message (default 30s).
	AckWait time.Duration
	// Owner and TakeOver bind the subscription to the store its handlers
	// keep their state in (see SubscribeOptions.Owner).
	Owner    string
	TakeOver bool
	// HandlerTimeout bounds one handler call (default AckWait minus a margin).
	HandlerTimeout time.Duration
	// MaxDeliveries is how many times a failing message is tried before it
	// is dead-lettered (default 5).
	MaxDeliveries int
	// BaseDelay is the first retry delay; each retry doubles it up to MaxDelay
	// (defaults 1s and 1m), with ±20% jitter.
	BaseDelay, MaxDelay time.Duration
	Logger              *slog.Logger
}

func (c *ConsumerConfig) defaults() {
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.HandlerTimeout <= 0 {
		c.HandlerTimeout = c.AckWait * 9 / 10
	}
	if c.MaxDeliveries <= 0 {
		c.MaxDeliveries = 5
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = time.Second
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// ConsumerStats counts what a consumer did since it started.
type ConsumerStats struct {
	Handled      int64 `json:"handled"`
	Retried      int64 `json:"retried"`
	DeadLettered int64 `json:"deadLettered"`
	Skipped      int64 `json:"skipped"`
}

// Consumer routes the deliveries of one durable subscription to handlers by
// event type, retries failures with exponential backoff through the broker
// and dead-letters what cannot succeed. Types without a handler are
// acknowledged and skipped (one topic carries many types).
type Consumer struct {
	cfg  ConsumerConfig
	sub  Subscriber
	dlq  DeadLetterStore
	log  *slog.Logger
	mu   sync.Mutex
	hs   map[string]HandlerFunc
	open Subscription

	handled, retried, dead, skipped atomic.Int64
}

// NewConsumer builds a consumer; register handlers with Handle, then Start.
func NewConsumer(cfg ConsumerConfig, sub Subscriber, dlq DeadLetterStore) (*Consumer, error) {
	cfg.defaults()
	if err := (SubscribeOptions{Name: cfg.Name, Topics: cfg.Topics}).Validate(); err != nil {
		return nil, err
	}
	if sub == nil || dlq == nil {
		return nil, errors.New("consumer " + cfg.Name + ": needs a subscriber and a dead-letter store")
	}
	return &Consumer{cfg: cfg, sub: sub, dlq: dlq, hs: map[string]HandlerFunc{},
		log: cfg.Logger.With("subscription", cfg.Name)}, nil
}

// Name is the subscription name.
func (c *Consumer) Name() string { return c.cfg.Name }

// Handle binds h to the event type typ. Call it before Start.
func (c *Consumer) Handle(typ string, h HandlerFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hs[typ] = h
}

// Types lists the handled event types.
func (c *Consumer) Types() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.hs))
	for t := range c.hs {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Start opens the subscription.
func (c *Consumer) Start(ctx context.Context) error {
	s, err := c.sub.Subscribe(ctx, SubscribeOptions{Name: c.cfg.Name, Topics: c.cfg.Topics,
		Workers: c.cfg.Workers, AckWait: c.cfg.AckWait, Owner: c.cfg.Owner, TakeOver: c.cfg.TakeOver}, c.deliver)
	if err != nil {
		return fmt.Errorf("consumer %s: %w", c.cfg.Name, err)
	}
	c.mu.Lock()
	c.open = s
	c.mu.Unlock()
	return nil
}

// Running reports whether the subscription is open.
func (c *Consumer) Running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open != nil
}

// Close stops the subscription and waits for handlers in flight.
func (c *Consumer) Close() error {
	c.mu.Lock()
	s := c.open
	c.open = nil
	c.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.Close()
}

// Stats returns the consumer's counters.
func (c *Consumer) Stats() ConsumerStats {
	return ConsumerStats{Handled: c.handled.Load(), Retried: c.retried.Load(),
		DeadLettered: c.dead.Load(), Skipped: c.skipped.Load()}
}

func (c *Consumer) handler(typ string) (HandlerFunc, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.hs[typ]
	return h, ok
}

// typedDelivery is a delivery that knows its event type without decoding
// (from a broker header); optional for backends.
type typedDelivery interface{ EventType() string }

func (c *Consumer) deliver(ctx context.Context, d Delivery) {
	if td, ok := d.(typedDelivery); ok {
		if typ := td.EventType(); typ != "" {
			if _, handled := c.handler(typ); !handled {
				c.skipped.Add(1)
				c.settle(ctx, d, d.Ack(ctx))
				return
			}
		}
	}
	env, err := Unmarshal(d.Data())
	if err != nil {
		c.deadLetter(ctx, d, Envelope{}, "decode", err)
		return
	}
	h, ok := c.handler(env.Type)
	if !ok {
		c.skipped.Add(1)
		c.settle(ctx, d, d.Ack(ctx))
		return
	}
	hctx, cancel := context.WithTimeout(ContextWithTraceParent(ctx, env.TraceParent), c.cfg.HandlerTimeout)
	err = callSafe(hctx, h, env)
	cancel()
	switch {
	case err == nil:
		c.handled.Add(1)
		c.settle(ctx, d, d.Ack(ctx))
	case IsPermanent(err) || d.Attempt() >= c.cfg.MaxDeliveries:
		c.deadLetter(ctx, d, env, env.Type, err)
	default:
		c.retried.Add(1)
		delay := c.backoff(d.Attempt())
		c.log.Warn("handler failed, will retry", "type", env.Type, "id", env.ID,
			"attempt", d.Attempt(), "retry_in", delay, "err", err)
		c.settle(ctx, d, d.Nak(ctx, delay))
	}
}

func callSafe(ctx context.Context, h HandlerFunc, env Envelope) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Permanent(fmt.Errorf("handler panicked: %v", r))
		}
	}()
	return h(ctx, env)
}

func (c *Consumer) settle(ctx context.Context, d Delivery, err error) {
	if err != nil {
		// The broker redelivers an unsettled message; the inbox keeps that single.
		c.log.Warn("settle delivery", "subject", d.Subject(), "err", err)
	}
}

// backoff is BaseDelay·2^(attempt-1), capped at MaxDelay, with ±20% jitter.
func (c *Consumer) backoff(attempt int) time.Duration {
	d := c.cfg.BaseDelay
	for i := 1; i < attempt && d < c.cfg.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxDelay)
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) * 2
	return d - d/5 + jitter
}

func (c *Consumer) deadLetter(ctx context.Context, d Delivery, env Envelope, handler string, cause error) {
	dl := DeadLetter{Subscription: c.cfg.Name, Handler: c.cfg.Name + "/" + handler, EventID: env.ID,
		EventType: env.Type, Subject: d.Subject(), Reason: cause.Error(), Attempts: d.Attempt(),
		Payload: d.Data()}
	if _, err := c.dlq.PutDeadLetter(ctx, dl); err != nil {
		c.log.Error("store dead letter; will retry the message", "err", err)
		c.settle(ctx, d, d.Nak(ctx, c.backoff(1)))
		return
	}
	c.dead.Add(1)
	c.log.Error("message dead-lettered", "handler", dl.Handler, "id", env.ID,
		"attempts", dl.Attempts, "reason", dl.Reason)
	c.settle(ctx, d, d.Term(ctx))
}

// Redrive hands a dead letter of this subscription to its handler again. On
// success the dead letter is deleted; on failure it is kept with the new
// reason and one more attempt.
func (c *Consumer) Redrive(ctx context.Context, dl DeadLetter) error {
	if dl.Subscription != c.cfg.Name {
		return fmt.Errorf("dead letter %s belongs to %s, not %s", dl.ID, dl.Subscription, c.cfg.Name)
	}
	err := c.redrive(ctx, dl)
	if err != nil {
		dl.Reason, dl.Attempts, dl.FailedAt = err.Error(), dl.Attempts+1, time.Now().UTC()
		if _, perr := c.dlq.PutDeadLetter(ctx, dl); perr != nil {
			return errors.Join(err, perr)
		}
		return err
	}
	c.handled.Add(1)
	return c.dlq.DeleteDeadLetter(ctx, dl.ID)
}

func (c *Consumer) redrive(ctx context.Context, dl DeadLetter) error {
	env, err := Unmarshal(dl.Payload)
	if err != nil {
		return err
	}
	h, ok := c.handler(env.Type)
	if !ok {
		return Permanent(fmt.Errorf("subscription %s has no handler for %s", c.cfg.Name, env.Type))
	}
	hctx, cancel := context.WithTimeout(ContextWithTraceParent(ctx, env.TraceParent), c.cfg.HandlerTimeout)
	defer cancel()
	return callSafe(hctx, h, env)
}
