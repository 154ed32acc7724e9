package redischan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/redis/go-redis/v9"
)

// Default names of the inbound side.
const (
	// ChangeBatchQuantityChannel is the channel the subscriber listens on.
	ChangeBatchQuantityChannel = "change_batch_quantity"
	// SubscriptionName names the subscriber's dead letters.
	SubscriptionName = "redis-change-batch-quantity"
)

// BatchQuantities changes a batch's quantity (the inventory application).
// An error wrapping event.Permanent, domain.ErrInvalid,
// domain.ErrUnknownBatch or adapters.ErrNotFound is permanent; any other is
// retried.
type BatchQuantities interface {
	ChangeBatchQuantity(ctx context.Context, ref string, qty int) error
}

// SubscriberConfig configures a Subscriber. Zero values take the defaults.
type SubscriberConfig struct {
	// Channel to subscribe to (default change_batch_quantity).
	Channel string
	// Name of the subscription in dead letters and metrics (default
	// redis-change-batch-quantity).
	Name string
	// MaxAttempts is how often a message failing transiently is tried
	// before it is dead-lettered (default 3).
	MaxAttempts int
	// RetryBase is the first retry delay, doubling per attempt (default 100ms).
	RetryBase time.Duration
	// HandlerTimeout bounds one attempt (default 10s).
	HandlerTimeout time.Duration
	// ReconnectMin and ReconnectMax bound the wait between subscription
	// attempts, doubling from min to max (defaults 100ms and 5s).
	ReconnectMin, ReconnectMax time.Duration
	// HealthCheck is how long the connection may stay silent before it is
	// pinged; a ping unanswered for as long again ends the connection
	// (default 3s).
	HealthCheck time.Duration
	Logger      *slog.Logger
}

func (c *SubscriberConfig) defaults() {
	c.Channel = orDefault(c.Channel, ChangeBatchQuantityChannel)
	c.Name = orDefault(c.Name, SubscriptionName)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	c.RetryBase = positive(c.RetryBase, 100*time.Millisecond)
	c.HandlerTimeout = positive(c.HandlerTimeout, 10*time.Second)
	c.ReconnectMin = positive(c.ReconnectMin, 100*time.Millisecond)
	c.ReconnectMax = positive(c.ReconnectMax, 5*time.Second)
	c.HealthCheck = positive(c.HealthCheck, 3*time.Second)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports a setting that cannot work (after defaults).
func (c SubscriberConfig) Validate() error {
	if c.ReconnectMax < c.ReconnectMin {
		return fmt.Errorf("redischan: ReconnectMax %v below ReconnectMin %v", c.ReconnectMax, c.ReconnectMin)
	}
	return nil
}

// SubscriberStats counts what a subscriber did since it was built.
type SubscriberStats struct {
	Received     int64 `json:"received"`
	Handled      int64 `json:"handled"`
	Retried      int64 `json:"retried"`
	DeadLettered int64 `json:"deadLettered"`
	// Subscriptions counts confirmed subscriptions: the first one and one
	// per reconnect.
	Subscriptions int64 `json:"subscriptions"`
	Reconnects    int64 `json:"reconnects"`
	// Subscribed reports whether the subscription is open right now.
	Subscribed bool `json:"subscribed"`
}

// Subscriber applies change_batch_quantity messages to inventory. Run it in
// one goroutine; Redrive and Stats are safe to call concurrently with it.
type Subscriber struct {
	cfg  SubscriberConfig
	rdb  redis.UniversalClient
	app  BatchQuantities
	dlq  event.DeadLetterStore
	log  *slog.Logger
	open atomic.Bool

	received, handled, retried, dead, subscriptions atomic.Int64
}

// NewSubscriber builds a subscriber; Run starts it.
func NewSubscriber(cfg SubscriberConfig, rdb redis.UniversalClient, app BatchQuantities, dlq event.DeadLetterStore) (*Subscriber, error) {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rdb == nil || app == nil || dlq == nil {
		return nil, errors.New("redischan: subscriber needs a Redis client, the batch quantities and a dead-letter store")
	}
	return &Subscriber{cfg: cfg, rdb: rdb, app: app, dlq: dlq,
		log: cfg.Logger.With("subscription", cfg.Name, "channel", cfg.Channel)}, nil
}

// Name is the subscription's name, as its dead letters carry it.
func (s *Subscriber) Name() string { return s.cfg.Name }

// Stats returns the subscriber's counters.
func (s *Subscriber) Stats() SubscriberStats {
	n := s.subscriptions.Load()
	return SubscriberStats{Received: s.received.Load(), Handled: s.handled.Load(), Retried: s.retried.Load(),
		DeadLettered: s.dead.Load(), Subscriptions: n, Reconnects: max(0, n-1), Subscribed: s.open.Load()}
}

// Status reports the subscriber for the list of subscriptions: whether
// it is subscribed now (of several scm processes only the elected one
// is), its counts, and where its messages come from.
func (s *Subscriber) Status() (running bool, stats event.ConsumerStats, source string) {
	st := s.Stats()
	return st.Subscribed, event.ConsumerStats{Handled: st.Handled, Retried: st.Retried, DeadLettered: st.DeadLettered},
		"redis channel " + s.cfg.Channel
}

// Counters are the stats as metric names (without the banchan_ prefix and
// _total suffix) and values.
func (s *Subscriber) Counters() map[string]int64 {
	st := s.Stats()
	return map[string]int64{"redis_received": st.Received, "redis_handled": st.Handled,
		"redis_retried": st.Retried, "redis_dead_lettered": st.DeadLettered,
		"redis_subscriptions": st.Subscriptions, "redis_reconnects": st.Reconnects}
}

// Run receives and handles messages until ctx ends. Whenever the
// connection is lost it subscribes again, waiting ReconnectMin, doubling up
// to ReconnectMax while Redis stays away. A message being handled when ctx
// ends is finished first.
func (s *Subscriber) Run(ctx context.Context) {
	delay := s.cfg.ReconnectMin
	for {
		subscribed, err := s.session(ctx)
		s.open.Store(false)
		if ctx.Err() != nil {
			return
		}
		msg := "redis subscribe failed; trying again"
		if subscribed {
			delay, msg = s.cfg.ReconnectMin, "redis subscription lost; subscribing again"
		}
		s.log.Warn(msg, "err", err, "in", delay)
		if !sleep(ctx, delay) {
			return
		}
		delay = min(delay*2, s.cfg.ReconnectMax)
	}
}

var errNoPong = errors.New("redis: ping unanswered")

// session is one subscription on one PubSub, until its connection fails.
// go-redis would redial on its own, but a fresh PubSub per session gives
// one way back for every failure (errors and silent deaths alike) and a
// confirmed SUBSCRIBE to count.
func (s *Subscriber) session(ctx context.Context) (subscribed bool, err error) {
	ps := s.rdb.Subscribe(ctx, s.cfg.Channel)
	defer ps.Close()
	// Close unblocks a Receive waiting for the next message.
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, s.cfg.HealthCheck)
		if isTimeout(err) && ctx.Err() == nil {
			if pinged {
				return subscribed, errNoPong
			}
			if err := ps.Ping(ctx); err != nil {
				return subscribed, err
			}
			pinged = true
			continue
		}
		if err != nil {
			return subscribed, err
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == s.cfg.Channel {
				subscribed = true
				s.confirmed()
			}
		case *redis.Message:
			s.handle(ctx, []byte(m.Payload))
		}
	}
}

func (s *Subscriber) confirmed() {
	s.open.Store(true)
	if n := s.subscriptions.Add(1); n > 1 {
		s.log.Info("redis subscription re-established", "reconnects", n-1)
		return
	}
	s.log.Info("redis subscription open")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func positive(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
