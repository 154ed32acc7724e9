package system

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/banchan/banchan/event/outbox"
	"github.com/banchan/banchan/event/postgres"
	"github.com/banchan/banchan/internal/operations"
	"github.com/banchan/banchan/internal/scm/inventory/redischan"
)

// redisChannels are scm's Redis pub/sub adapters (--redis-url): the
// change_batch_quantity subscriber, and the line_allocated publisher fed by
// an outbox relay of its own.
type redisChannels struct {
	sub *redischan.Subscriber
	pub *redischan.Publisher
	// standby is set while another process holds the subscription:
	// processes sharing a PostgreSQL log elect one subscriber, since
	// every subscriber hears every message and two would apply each
	// change twice, and out of order (a later quantity undone by an
	// earlier one arriving late at the other process).
	standby atomic.Bool
}

// wireRedis connects inventory to Redis when --redis-url is set. The
// subscriber and the relay run as background runners and reconnect on
// their own, so the process starts, and stays up, while Redis is away.
// The client closes after the runners have stopped.
func (s *System) wireRedis(inv redischan.BatchQuantities) error {
	if s.cfg.RedisURL == "" {
		return nil
	}
	rdb, err := redischan.Connect(s.cfg.RedisURL)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, rdb.Close)
	log := s.log.With("component", "redis")
	sub, err := redischan.NewSubscriber(redischan.SubscriberConfig{Logger: log}, rdb, inv, s.store)
	if err != nil {
		return err
	}
	pub, err := redischan.NewPublisher(redischan.PublisherConfig{}, rdb)
	if err != nil {
		return err
	}
	rcfg := outbox.Config{Name: redischan.RelayName, Logger: log.With("relay", redischan.RelayName)}
	if s.cfg.PostgresURL != "" {
		rcfg.Poll = 200 * time.Millisecond // writers in other processes do not wake it
	}
	relay, err := outbox.New(rcfg, s.store, s.store, pub)
	if err != nil {
		return err
	}
	r := &redisChannels{sub: sub, pub: pub}
	s.runners = append(s.runners, func(ctx context.Context) { s.runRedisSubscriber(ctx, r) },
		func(ctx context.Context) { s.runRedisRelay(ctx, relay) })
	s.redis = r
	log.Info("redis channels on", "url", Mask(s.cfg.RedisURL),
		"subscribe", redischan.ChangeBatchQuantityChannel, "publish", redischan.LineAllocatedChannel)
	return nil
}

// runRedisSubscriber applies change_batch_quantity messages until ctx
// ends; processes sharing a PostgreSQL log elect one subscriber among them
// (the others stand by, and one takes over within seconds when it goes).
// Redis pub/sub keeps nothing for an absent subscriber: what is published
// while none is subscribed (a failover, a reconnect) is not applied.
func (s *System) runRedisSubscriber(ctx context.Context, r *redisChannels) {
	if s.cfg.PostgresURL == "" {
		r.sub.Run(ctx)
		return
	}
	r.standby.Store(true)
	leader := postgres.NewLeader(s.store.DB(), r.sub.Name()+"/"+s.cfg.PostgresSchema, s.log.With("component", "redis"))
	_ = leader.Run(ctx, func(ctx context.Context) error {
		r.standby.Store(false)
		defer r.standby.Store(true)
		r.sub.Run(ctx)
		return nil
	})
}

// runRedisRelay publishes LineAllocated events to Redis until ctx ends;
// processes sharing a PostgreSQL log elect one such relay among them, as
// they do for the broker's. A relay that could not start (its checkpoint
// unreadable) is started again.
func (s *System) runRedisRelay(ctx context.Context, relay *outbox.Relay) {
	run := relay.Run
	if s.cfg.PostgresURL != "" {
		leader := postgres.NewLeader(s.store.DB(), redischan.RelayName+"/"+s.cfg.PostgresSchema,
			s.log.With("component", "redis"))
		run = func(ctx context.Context) error { return leader.Run(ctx, relay.Run) }
	}
	for {
		err := run(ctx)
		if ctx.Err() != nil {
			if err != nil {
				s.log.Warn("redis relay: final flush", "err", err)
			}
			return
		}
		s.log.Warn("redis relay stopped; starting again", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// redrivers are the Redis subscriber's, for the dead-letter API.
func (r *redisChannels) redrivers() map[string]operations.Redriver {
	if r == nil {
		return nil
	}
	return map[string]operations.Redriver{r.sub.Name(): r.sub}
}

// counters are the Redis channels' counters, for the metrics.
func (r *redisChannels) counters() map[string]operations.Counters {
	if r == nil {
		return nil
	}
	return map[string]operations.Counters{r.sub.Name(): r.sub, redischan.RelayName: r.pub}
}
