package system

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/natsjs"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Names of the broker phases' messages.
const (
	benchTopic   = "bench"
	benchType    = "BenchMessage"
	benchBatch   = 256 // envelopes per toolkit Publish, as the outbox relay sends them
	benchPending = 4096
)

// embedded starts, on first use, the durable in-process JetStream server
// (fsync before every acknowledgement) that the broker phases share.
func (b *bench) embedded() (*server.Server, error) {
	if b.ns != nil {
		return b.ns, nil
	}
	ns, err := natsjs.StartEmbedded(natsjs.EmbeddedOptions{StoreDir: filepath.Join(b.dir, "nats")})
	if err != nil {
		return nil, err
	}
	b.ns = ns
	return ns, nil
}

// benchBroker connects a toolkit broker on its own stream and prefix.
func (b *bench) benchBroker(ctx context.Context, stream string) (*natsjs.Broker, error) {
	ns, err := b.embedded()
	if err != nil {
		return nil, err
	}
	cfg := natsjs.Config{Stream: stream, Prefix: strings.ToLower(strings.ReplaceAll(stream, "_", "-")), Logger: b.log}
	return natsjs.Connect(ctx, "", cfg, nats.InProcessServer(ns))
}

// benchEnvelopes builds n envelopes whose data is a JSON string of size
// bytes, on subjects spread over many keys (as many orders would be).
func benchEnvelopes(n, size int) ([]event.Envelope, error) {
	data := json.RawMessage(`"` + strings.Repeat("x", max(size-2, 0)) + `"`)
	envs := make([]event.Envelope, n)
	for i := range envs {
		e, err := event.New(benchTopic, benchType, "banchan-bench", "key-"+strconv.Itoa(i%1024), data)
		if err != nil {
			return nil, err
		}
		envs[i] = e
	}
	return envs, nil
}

// publishPhase compares raw nats.go async publishing with the toolkit's
// Publish, each on its own fresh stream, with the same envelopes on the
// wire, in alternating rounds.
func (b *bench) publishPhase(ctx context.Context) ([]benchRow, error) {
	envs, err := benchEnvelopes(b.opts.messages, b.opts.size)
	if err != nil {
		return nil, err
	}
	raw, err := b.benchBroker(ctx, "BENCH_PUB_RAW") // creates the stream exactly as the toolkit does
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	kit, err := b.benchBroker(ctx, "BENCH_PUB_KIT")
	if err != nil {
		return nil, err
	}
	defer kit.Close()
	rawPub, err := newRawPublisher(raw, envs)
	if err != nil {
		return nil, err
	}
	parts := splitRounds(len(envs), publishRounds)
	rr, kr := alternate(ctx, b.opts.timeout, parts,
		func(ctx context.Context, _, lo, hi int) roundResult { return rawPub.round(ctx, lo, hi) },
		func(ctx context.Context, _, lo, hi int) roundResult { return toolkitPublish(ctx, kit, envs[lo:hi]) })
	wire, _ := envs[0].Marshal()
	rr.note = strings.TrimSpace(fmt.Sprintf("%d B messages, %d rounds %s", len(wire), len(parts), rr.note))
	kr.note = strings.TrimSpace(fmt.Sprintf("p50/p99 per Publish call %s", kr.note))
	rawRow := rr.row("publish", "raw nats.go PublishMsgAsync, then wait for all acks")
	kitRow := kr.row("publish", fmt.Sprintf("toolkit natsjs.Broker.Publish, batches of %d", benchBatch))
	kitRow.ratio = ratio(kitRow.rate(), rawRow.rate(), "raw")
	return []benchRow{rawRow, kitRow}, errors.Join(rr.err, kr.err)
}

// rawPublisher publishes pre-encoded envelopes with plain jetstream calls.
type rawPublisher struct {
	js       jetstream.JetStream
	subject  string
	envs     []event.Envelope
	payloads [][]byte
	mu       sync.Mutex
	failed   int64
	firstErr error
}

func newRawPublisher(raw *natsjs.Broker, envs []event.Envelope) (*rawPublisher, error) {
	p := &rawPublisher{subject: raw.Subject(benchTopic, benchType), envs: envs, payloads: make([][]byte, len(envs))}
	for i, e := range envs {
		p.payloads[i], _ = e.Marshal()
	}
	js, err := jetstream.New(raw.Conn(), jetstream.WithPublishAsyncMaxPending(benchPending),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, _ *nats.Msg, err error) {
			p.mu.Lock()
			p.failed, p.firstErr = p.failed+1, cmpOr(p.firstErr, err)
			p.mu.Unlock()
		}))
	p.js = js
	return p, err
}

// round is PublishMsgAsync of envs[lo:hi], each with its message id, then
// one wait for every acknowledgement.
func (p *rawPublisher) round(ctx context.Context, lo, hi int) roundResult {
	p.mu.Lock()
	failedBefore := p.failed
	p.mu.Unlock()
	start := time.Now()
	for i := lo; i < hi; i++ {
		m := nats.NewMsg(p.subject)
		m.Data = p.payloads[i]
		m.Header.Set(jetstream.MsgIDHeader, p.envs[i].ID)
		if err := publishAsync(ctx, p.js, m); err != nil {
			return roundResult{err: err}
		}
	}
	select {
	case <-p.js.PublishAsyncComplete():
	case <-ctx.Done():
		return roundResult{err: fmt.Errorf("acks: %w", ctx.Err())}
	}
	res := roundResult{elapsed: time.Since(start)}
	p.mu.Lock()
	defer p.mu.Unlock()
	failed := p.failed - failedBefore
	res.ops = int64(hi-lo) - failed
	if failed > 0 {
		res.note = fmt.Sprintf("%d failed, first: %v", failed, p.firstErr)
	}
	return res
}

// publishAsync retries while the client is stalled on too many pending acks.
func publishAsync(ctx context.Context, js jetstream.JetStream, m *nats.Msg) error {
	for {
		_, err := js.PublishMsgAsync(m)
		if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// toolkitPublish is natsjs.Broker.Publish in batches, one batch at a time,
// as the outbox relay calls it.
func toolkitPublish(ctx context.Context, kit *natsjs.Broker, envs []event.Envelope) roundResult {
	var res roundResult
	start := time.Now()
	for i := 0; i < len(envs); i += benchBatch {
		t := time.Now()
		batch := envs[i:min(i+benchBatch, len(envs))]
		if err := kit.Publish(ctx, batch...); err != nil {
			res.err = err
			return res
		}
		res.lat = append(res.lat, time.Since(t))
		res.ops += int64(len(batch))
	}
	res.elapsed = time.Since(start)
	return res
}
