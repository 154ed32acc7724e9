package memory

import (
	"context"
	"fmt"
	"sync"

	"github.com/banchan/banchan/event"
)

// Config configures a Broker.
type Config struct {
	// Duplicates is how many of the most recent envelope ids are remembered
	// to drop repeats (default 100000), the counterpart of JetStream's
	// duplicate window.
	Duplicates int
}

func (c *Config) defaults() {
	if c.Duplicates == 0 {
		c.Duplicates = 100_000
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.Duplicates < 0 {
		return fmt.Errorf("memory broker: negative duplicate window %d", c.Duplicates)
	}
	return nil
}

// message is one entry of the log.
type message struct {
	seq     int64  // position in the log, from 1
	topic   string // envelope topic, what subscriptions filter on
	key     string // envelope subject, the ordering key
	subject string // <topic>.<type>, what Delivery.Subject reports
	data    []byte // the encoded envelope
}

// cursorKey names the durable state of one subscription name on one topic.
type cursorKey struct{ name, topic string }

// Broker implements event.Broker in memory. The zero value is not usable;
// call New.
type Broker struct {
	// One mutex guards everything, cursors and subscriptions included: the
	// broker is for tests, where simple beats fast. Handlers never run
	// under it.
	mu      sync.Mutex
	closed  bool
	log     []message
	seen    *window
	cursors map[cursorKey]*cursor
	subs    map[*subscription]struct{}
	owners  map[string]string // subscription name → its store
}

// New returns an empty broker.
func New(cfg Config) (*Broker, error) {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Broker{seen: newWindow(cfg.Duplicates), cursors: map[cursorKey]*cursor{}, owners: map[string]string{},
		subs: map[*subscription]struct{}{}}, nil
}

// Publish appends envelopes to the log in order, dropping ids seen within
// the duplicate window. It never blocks on subscribers.
func (b *Broker) Publish(ctx context.Context, envs ...event.Envelope) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	msgs := make([]message, 0, len(envs))
	for _, e := range envs {
		if e.Topic == "" || e.ID == "" {
			return fmt.Errorf("memory broker: publish %s %q: needs a topic and an id", e.Type, e.ID)
		}
		data, err := e.Marshal()
		if err != nil {
			return fmt.Errorf("memory broker: publish %s: %w", e.ID, err)
		}
		msgs = append(msgs, message{topic: e.Topic, key: e.Subject, subject: e.Topic + "." + e.Type, data: data})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return event.ErrClosed
	}
	for i, m := range msgs {
		if !b.seen.add(envs[i].ID) {
			continue
		}
		m.seq = int64(len(b.log)) + 1
		b.log = append(b.log, m)
	}
	b.pumpAll()
	return nil
}

// Len is the number of messages in the log (repeats dropped).
func (b *Broker) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.log)
}

// Ping reports event.ErrClosed once the broker is closed.
func (b *Broker) Ping(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return event.ErrClosed
	}
	return ctx.Err()
}

// Close closes every open subscription (waiting for their handlers) and
// refuses further use.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	for _, c := range b.cursors {
		c.stop()
	}
	subs := make([]*subscription, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	for _, s := range subs {
		_ = s.Close()
	}
	return nil
}

// cursor returns the durable state of name on topic, creating it at the
// start of the log. Call with b.mu held.
func (b *Broker) cursor(name, topic string) *cursor {
	k := cursorKey{name, topic}
	c, ok := b.cursors[k]
	if !ok {
		c = &cursor{b: b, topic: topic, pending: map[int64]*entry{}}
		b.cursors[k] = c
	}
	return c
}

// pumpAll hands out what every cursor can. Call with b.mu held.
func (b *Broker) pumpAll() {
	for _, c := range b.cursors {
		c.pump()
	}
}

// window remembers the last size ids added.
type window struct {
	ids  map[string]struct{}
	ring []string
	next int // ring slot to overwrite once the ring is full
	size int
}

func newWindow(size int) *window {
	return &window{ids: map[string]struct{}{}, size: size}
}

// add records id and reports whether it was new.
func (w *window) add(id string) bool {
	if _, ok := w.ids[id]; ok {
		return false
	}
	if len(w.ring) < w.size {
		w.ring = append(w.ring, id)
	} else {
		delete(w.ids, w.ring[w.next])
		w.ring[w.next] = id
		w.next = (w.next + 1) % w.size
	}
	w.ids[id] = struct{}{}
	return true
}
