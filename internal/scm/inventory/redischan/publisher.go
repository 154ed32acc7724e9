package redischan

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/redis/go-redis/v9"
)

// Default names of the outbound side.
const (
	// LineAllocatedChannel is the channel LineAllocated events go to.
	LineAllocatedChannel = "line_allocated"
	// RelayName is the checkpoint of the outbox relay that feeds the
	// publisher (and its name in metrics).
	RelayName = "redis-line-allocated"
)

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// Channel to publish on (default line_allocated).
	Channel string
}

// Publisher is an event.Publisher that PUBLISHes the data of every
// LineAllocated envelope of topic "scm" to a Redis channel, byte for byte,
// and ignores every other envelope. One Publish call is one pipelined round
// trip, in envelope order; it returns nil only when Redis took them all, so
// an outbox relay in front of it advances its checkpoint only then and
// tries again otherwise (at least once: a failed batch may have been
// partly published). Publish is safe for concurrent use.
type Publisher struct {
	cfg       PublisherConfig
	rdb       redis.UniversalClient
	published atomic.Int64
}

// NewPublisher builds a publisher.
func NewPublisher(cfg PublisherConfig, rdb redis.UniversalClient) (*Publisher, error) {
	if cfg.Channel == "" {
		cfg.Channel = LineAllocatedChannel
	}
	if rdb == nil {
		return nil, errors.New("redischan: publisher needs a Redis client")
	}
	return &Publisher{cfg: cfg, rdb: rdb}, nil
}

// Publish sends the LineAllocated envelopes among envs; see Publisher.
func (p *Publisher) Publish(ctx context.Context, envs ...event.Envelope) error {
	var msgs [][]byte
	for _, env := range envs {
		if env.Topic == contract.EventTopic && env.Type == contract.TypeLineAllocated {
			msgs = append(msgs, env.Data)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	_, err := p.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, m := range msgs {
			pipe.Publish(ctx, p.cfg.Channel, m)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis publish %s: %w", p.cfg.Channel, err)
	}
	p.published.Add(int64(len(msgs)))
	return nil
}

// Published counts messages published since start.
func (p *Publisher) Published() int64 { return p.published.Load() }

// Counters are the publisher's counters as metric names and values.
func (p *Publisher) Counters() map[string]int64 {
	return map[string]int64{"redis_published": p.published.Load()}
}
