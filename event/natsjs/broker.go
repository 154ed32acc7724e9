// Package natsjs is the event broker on NATS JetStream, embedded in the
// process or external. All topics share one stream kept by limits (not as a
// work queue), so late subscribers and replays see every message. A
// subscription is one durable pull consumer per topic; instances sharing a
// subscription name compete for its messages. Retries use JetStream's
// delayed negative acknowledgement, so a failing message never blocks
// others. Publishing sets Nats-Msg-Id to the envelope id: the stream drops
// repeats inside its duplicate window.
package natsjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Config configures a Broker.
type Config struct {
	// Stream is the JetStream stream name (default "BANCHAN").
	Stream string
	// Prefix starts every subject: <prefix>.<topic>.<type> (default "banchan").
	Prefix string
	// Replicas of the stream (default 1; 3 on a cluster).
	Replicas int
	// MaxAge drops messages older than this (0 keeps them until MaxBytes).
	MaxAge time.Duration
	// MaxBytes bounds the stream's size (0 = unlimited).
	MaxBytes int64
	// KeepMaxAge and KeepMaxBytes leave that limit of an existing stream as
	// it is, so that a process not told the limits does not undo what an
	// operator (or a process that was told) set; a stream created now gets
	// MaxAge and MaxBytes.
	KeepMaxAge, KeepMaxBytes bool
	// Duplicates is the deduplication window (default 2m).
	Duplicates time.Duration
	// MemoryStorage keeps the stream in memory (tests only).
	MemoryStorage bool
	Logger        *slog.Logger
}

func (c *Config) defaults() {
	if c.Stream == "" {
		c.Stream = "BANCHAN"
	}
	if c.Prefix == "" {
		c.Prefix = "banchan"
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.Duplicates <= 0 {
		c.Duplicates = 2 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if strings.ContainsAny(c.Stream, ". *>") {
		return fmt.Errorf("natsjs: stream name %q may not contain '.', '*', '>' or spaces", c.Stream)
	}
	if strings.ContainsAny(c.Prefix, " *>") || strings.HasSuffix(c.Prefix, ".") {
		return fmt.Errorf("natsjs: bad subject prefix %q", c.Prefix)
	}
	if c.MaxAge < 0 {
		return fmt.Errorf("natsjs: max age %s: want 0 (keep every message) or more", c.MaxAge)
	}
	if c.MaxBytes < 0 {
		return fmt.Errorf("natsjs: max bytes %d: want 0 (unbounded) or more", c.MaxBytes)
	}
	window := c.Duplicates
	if window <= 0 {
		window = 2 * time.Minute
	}
	if c.MaxAge > 0 && c.MaxAge < window {
		return fmt.Errorf("natsjs: max age %s is shorter than the deduplication window %s", c.MaxAge, window)
	}
	return nil
}

// Header names set on every published message.
const (
	headerKey  = "Banchan-Key"
	headerType = "Ce-Type"
)

// Broker implements event.Broker on JetStream.
type Broker struct {
	cfg   Config
	nc    *nats.Conn
	js    jetstream.JetStream
	owned bool
	acked atomic.Uint64 // highest stream sequence of a publish acknowledged
}

// Connect dials url and prepares the stream. Reconnects are unlimited.
func Connect(ctx context.Context, url string, cfg Config, opts ...nats.Option) (*Broker, error) {
	opts = append([]nats.Option{nats.Name("banchan"), nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond), nats.RetryOnFailedConnect(false)}, opts...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("natsjs: connect %s: %w", url, err)
	}
	b, err := New(ctx, nc, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	b.owned = true
	return b, nil
}

// New uses an open connection (Close then leaves it open) and prepares the stream.
func New(ctx context.Context, nc *nats.Conn, cfg Config) (*Broker, error) {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		return nil, fmt.Errorf("natsjs: %w", err)
	}
	b := &Broker{cfg: cfg, nc: nc, js: js}
	if err := b.ensureStream(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Broker) ensureStream(ctx context.Context) error {
	storage := jetstream.FileStorage
	if b.cfg.MemoryStorage {
		storage = jetstream.MemoryStorage
	}
	maxAge, maxBytes := b.cfg.MaxAge, orUnlimited(b.cfg.MaxBytes)
	if b.cfg.KeepMaxAge || b.cfg.KeepMaxBytes {
		st, err := b.js.Stream(ctx, b.cfg.Stream)
		switch {
		case err == nil:
			had := st.CachedInfo().Config
			if b.cfg.KeepMaxAge {
				maxAge = had.MaxAge
			}
			if b.cfg.KeepMaxBytes {
				maxBytes = had.MaxBytes
			}
		case !errors.Is(err, jetstream.ErrStreamNotFound):
			return fmt.Errorf("natsjs: stream %s: %w", b.cfg.Stream, err)
		}
	}
	cfg := jetstream.StreamConfig{
		Name:        b.cfg.Stream,
		Description: "banchan events and commands",
		Subjects:    []string{b.cfg.Prefix + ".>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     storage,
		Replicas:    b.cfg.Replicas,
		MaxAge:      maxAge,
		MaxBytes:    maxBytes,
		Duplicates:  b.cfg.Duplicates,
		Discard:     jetstream.DiscardOld,
	}
	st, err := b.js.CreateOrUpdateStream(ctx, cfg)
	// A server fault (a 500, such as a store it failed to create under
	// load) may pass: a few tries before the start fails.
	for delay := 100 * time.Millisecond; serverFault(err) && delay <= 400*time.Millisecond; delay *= 2 {
		b.cfg.Logger.Warn("natsjs: stream not ready, will retry", "stream", b.cfg.Stream, "in", delay, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("natsjs: stream %s: %w", b.cfg.Stream, errors.Join(err, ctx.Err()))
		case <-time.After(delay):
		}
		st, err = b.js.CreateOrUpdateStream(ctx, cfg)
	}
	if err != nil {
		return fmt.Errorf("natsjs: stream %s: %w", b.cfg.Stream, err)
	}
	c := st.CachedInfo().Config
	b.cfg.Logger.Info("natsjs: stream ready", "stream", c.Name, "max_age", limitText(c.MaxAge > 0, c.MaxAge.String()),
		"max_bytes", limitText(c.MaxBytes > 0, strconv.FormatInt(c.MaxBytes, 10)))
	return nil
}

// serverFault reports a JetStream API error of the server's own (500).
func serverFault(err error) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) && api.Code >= 500
}

func limitText(set bool, v string) string {
	if !set {
		return "unlimited"
	}
	return v
}

func orUnlimited(n int64) int64 {
	if n <= 0 {
		return -1
	}
	return n
}

// Conn returns the NATS connection (for benchmarks and diagnostics).
func (b *Broker) Conn() *nats.Conn { return b.nc }

// Subject is the NATS subject an envelope is published on.
func (b *Broker) Subject(topic, typ string) string { return b.cfg.Prefix + "." + topic + "." + typ }

// Publish sends envelopes and waits until the stream has stored each one.
func (b *Broker) Publish(ctx context.Context, envs ...event.Envelope) error {
	futures := make([]jetstream.PubAckFuture, 0, len(envs))
	for _, e := range envs {
		if e.Topic == "" {
			return fmt.Errorf("natsjs: publish %s %s: no topic", e.Type, e.ID)
		}
		data, err := e.Marshal()
		if err != nil {
			return fmt.Errorf("natsjs: publish %s: %w", e.ID, err)
		}
		m := nats.NewMsg(b.Subject(e.Topic, e.Type))
		m.Data = data
		m.Header.Set(jetstream.MsgIDHeader, e.ID)
		m.Header.Set(headerKey, e.Subject)
		m.Header.Set(headerType, e.Type)
		f, err := b.js.PublishMsgAsync(m)
		if err != nil {
			return fmt.Errorf("natsjs: publish %s: %w", e.ID, err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case ack := <-f.Ok():
			b.noteAck(ack.Sequence)
		case err := <-f.Err():
			return fmt.Errorf("natsjs: publish %s: %w", f.Msg().Header.Get(jetstream.MsgIDHeader), err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (b *Broker) noteAck(seq uint64) {
	for {
		cur := b.acked.Load()
		if seq <= cur || b.acked.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// Acknowledged is the highest stream sequence the server gave a message
// this broker published (a repeated id gets the first one's sequence).
func (b *Broker) Acknowledged() uint64 { return b.acked.Load() }

// LastSequence is the stream's last sequence now. Lower than a sequence it
// acknowledged means the stream lost its last messages: a server that does
// not fsync every message, after the machine crashed. The outbox relay
// compares the two on resume (see outbox).
func (b *Broker) LastSequence(ctx context.Context) (uint64, error) {
	stream, err := b.js.Stream(ctx, b.cfg.Stream)
	if err != nil {
		return 0, fmt.Errorf("natsjs: stream %s: %w", b.cfg.Stream, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("natsjs: stream %s: %w", b.cfg.Stream, err)
	}
	return info.State.LastSeq, nil
}

// Ping checks the connection and JetStream.
func (b *Broker) Ping(ctx context.Context) error {
	if !b.nc.IsConnected() {
		return errors.New("natsjs: not connected")
	}
	if _, err := b.js.Stream(ctx, b.cfg.Stream); err != nil {
		return fmt.Errorf("natsjs: stream %s: %w", b.cfg.Stream, err)
	}
	return nil
}

// Epoch identifies the stream's storage: its creation time in nanoseconds.
// Restarts and configuration updates keep it; a stream created again (its
// data directory lost, or the stream deleted) has a new one. The outbox
// relay compares it with the last one it published to, to learn that the
// broker lost the messages it held.
func (b *Broker) Epoch(ctx context.Context) (int64, error) {
	stream, err := b.js.Stream(ctx, b.cfg.Stream)
	if err != nil {
		return 0, fmt.Errorf("natsjs: stream %s: %w", b.cfg.Stream, err)
	}
	return stream.CachedInfo().Created.UnixNano(), nil
}

// Close flushes pending acknowledgements and closes the connection if the
// broker opened it.
func (b *Broker) Close() error {
	if !b.owned {
		return nil
	}
	// Flush first: acknowledgements and naks still in the client's buffer
	// would otherwise be lost with the connection, and their messages would
	// wait out the ack wait. (nc.Drain returns before it is done.)
	err := b.nc.FlushTimeout(5 * time.Second)
	b.nc.Close()
	return err
}

// DeleteStream removes the stream and all its consumers (for tests).
func (b *Broker) DeleteStream(ctx context.Context) error {
	return b.js.DeleteStream(ctx, b.cfg.Stream)
}

// Settle waits until the server has recorded every acknowledgement it was
// sent (no consumer of the stream has unacknowledged messages) or ctx ends.
// The server applies acknowledgements asynchronously; an embedded server
// shut down right after its only client stopped could otherwise restart
// with them unapplied, and those messages would wait out the ack wait. Only
// meaningful when this process is the stream's only consumer.
func (b *Broker) Settle(ctx context.Context) error {
	stream, err := b.js.Stream(ctx, b.cfg.Stream)
	if err != nil {
		return err
	}
	for {
		pending := 0
		lister := stream.ListConsumers(ctx)
		for info := range lister.Info() {
			pending += info.NumAckPending
		}
		if err := lister.Err(); err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("natsjs: %d acknowledgements still pending: %w", pending, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ServerVersion is the version of the NATS server the broker is connected
// to (such as "2.9.25").
func (b *Broker) ServerVersion() string { return b.nc.ConnectedServerVersion() }
