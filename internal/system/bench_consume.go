package system

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/natsjs"
	"github.com/nats-io/nats.go/jetstream"
)

// consumePhase fills one stream with --messages envelopes, then reads all
// of them with a raw jetstream pull consumer and with the toolkit's
// event.Consumer and a no-op handler, in alternating rounds, each round
// under fresh durable names.
func (b *bench) consumePhase(ctx context.Context) ([]benchRow, error) {
	envs, err := benchEnvelopes(b.opts.messages, b.opts.size)
	if err != nil {
		return nil, err
	}
	kit, err := b.benchBroker(ctx, "BENCH_CONSUME")
	if err != nil {
		return nil, err
	}
	defer kit.Close()
	if err := b.preload(ctx, kit, envs); err != nil {
		return nil, fmt.Errorf("fill the stream: %w", err)
	}
	rounds := make([][2]int, consumeRounds)
	for i := range rounds {
		rounds[i] = [2]int{0, len(envs)}
	}
	rr, kr := alternate(ctx, b.opts.timeout, rounds,
		func(ctx context.Context, round, _, hi int) roundResult { return rawConsume(ctx, kit, round, hi) },
		func(ctx context.Context, round, _, hi int) roundResult { return b.toolkitConsume(ctx, kit, round, hi) })
	rr.note = strings.TrimSpace(fmt.Sprintf("%d rounds of all %d messages %s", len(rounds), len(envs), rr.note))
	rawRow := rr.row("consume", "raw nats.go pull Consume (defaults), Ack each")
	kitRow := kr.row("consume", fmt.Sprintf("toolkit event.Consumer, no-op handler, %d workers", consumeWorkers()))
	kitRow.ratio = ratio(kitRow.rate(), rawRow.rate(), "raw")
	return []benchRow{rawRow, kitRow}, errors.Join(rr.err, kr.err)
}

// preload publishes envs for the consumers to read. It is not timed but,
// on a durable stream, as slow as the publish rows; it gets twice --timeout.
func (b *bench) preload(ctx context.Context, kit *natsjs.Broker, envs []event.Envelope) error {
	ctx, cancel := context.WithTimeout(ctx, 2*b.opts.timeout)
	defer cancel()
	for i := 0; i < len(envs); i += benchBatch {
		if err := kit.Publish(ctx, envs[i:min(i+benchBatch, len(envs))]...); err != nil {
			return err
		}
	}
	return nil
}

// consumeWorkers is what the system's subscriptions use (--workers).
func consumeWorkers() int { return Default().Workers }

// rawConsume reads the stream with jetstream's Consume and acks each
// message, on nats.go's default pull and ack-pending settings.
func rawConsume(ctx context.Context, kit *natsjs.Broker, round, n int) roundResult {
	js, err := jetstream.New(kit.Conn())
	if err != nil {
		return roundResult{err: err}
	}
	var count atomic.Int64
	done := make(chan struct{})
	start := time.Now()
	cons, err := js.CreateOrUpdateConsumer(ctx, "BENCH_CONSUME", jetstream.ConsumerConfig{
		Durable: fmt.Sprintf("bench-raw-%d", round), FilterSubject: kit.Subject(benchTopic, ">"),
		DeliverPolicy: jetstream.DeliverAllPolicy, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: 30 * time.Second,
	})
	if err != nil {
		return roundResult{err: err}
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		_ = m.Ack()
		if count.Add(1) == int64(n) {
			close(done)
		}
	})
	if err != nil {
		return roundResult{err: err}
	}
	defer func() { cc.Stop(); <-cc.Closed() }()
	return awaitAll(ctx, start, done, &count, n)
}

// toolkitConsume reads the stream through event.Consumer: decode and
// validate each envelope, route it by type, call the handler on one of
// the workers, ack.
func (b *bench) toolkitConsume(ctx context.Context, kit *natsjs.Broker, round, n int) roundResult {
	dlq := &countingDeadLetters{}
	c, err := event.NewConsumer(event.ConsumerConfig{Name: fmt.Sprintf("bench-kit-%d", round),
		Topics: []string{benchTopic}, Workers: consumeWorkers(), Logger: b.log}, kit, dlq)
	if err != nil {
		return roundResult{err: err}
	}
	var count atomic.Int64
	done := make(chan struct{})
	c.Handle(benchType, func(context.Context, event.Envelope) error {
		if count.Add(1) == int64(n) {
			close(done)
		}
		return nil
	})
	start := time.Now()
	if err := c.Start(ctx); err != nil {
		return roundResult{err: err}
	}
	defer c.Close()
	res := awaitAll(ctx, start, done, &count, n)
	if d := dlq.n.Load(); d > 0 {
		res.note = fmt.Sprintf("%d dead-lettered", d)
	}
	return res
}

// awaitAll waits until all n messages arrived or ctx ends.
func awaitAll(ctx context.Context, start time.Time, done <-chan struct{}, count *atomic.Int64, n int) roundResult {
	select {
	case <-done:
		return roundResult{ops: int64(n), elapsed: time.Since(start)}
	case <-ctx.Done():
		return roundResult{err: fmt.Errorf("%d of %d messages before %w", count.Load(), n, ctx.Err())}
	}
}

// countingDeadLetters is the dead-letter store of the toolkit consumer: a
// no-op handler never fails, so it only counts what would be stored.
type countingDeadLetters struct{ n atomic.Int64 }

func (d *countingDeadLetters) PutDeadLetter(_ context.Context, dl event.DeadLetter) (event.DeadLetter, error) {
	d.n.Add(1)
	return dl, nil
}

func (d *countingDeadLetters) DeadLetters(context.Context, string, int) ([]event.DeadLetter, error) {
	return nil, nil
}

func (d *countingDeadLetters) DeadLetter(_ context.Context, id string) (event.DeadLetter, error) {
	return event.DeadLetter{}, fmt.Errorf("dead letter %s: %w", id, event.ErrNotFound)
}

func (d *countingDeadLetters) DeleteDeadLetter(_ context.Context, id string) error {
	return fmt.Errorf("dead letter %s: %w", id, event.ErrNotFound)
}
