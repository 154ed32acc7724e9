package redischan_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
	"github.com/banchan/banchan/internal/scm/inventory/redischan"
	"github.com/redis/go-redis/v9"
)

// fakeBatches is inventory with the batches it is told about; errs queues
// errors to return for a ref before it succeeds.
type fakeBatches struct {
	mu    sync.Mutex
	known map[string]bool
	errs  map[string][]error
	calls []string
}

func newFake(refs ...string) *fakeBatches {
	f := &fakeBatches{known: map[string]bool{}, errs: map[string][]error{}}
	for _, r := range refs {
		f.known[r] = true
	}
	return f
}

func (f *fakeBatches) ChangeBatchQuantity(_ context.Context, ref string, qty int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("%s=%d", ref, qty))
	if errs := f.errs[ref]; len(errs) > 0 {
		f.errs[ref] = errs[1:]
		return errs[0]
	}
	if !f.known[ref] {
		return fmt.Errorf("batch %s: %w", ref, adapters.ErrNotFound)
	}
	if qty > domain.MaxBatchQty {
		return fmt.Errorf("%w: qty %d", domain.ErrInvalid, qty)
	}
	return nil
}

func (f *fakeBatches) learn(ref string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.known[ref] = true
}

func (f *fakeBatches) called(call string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c == call {
			return true
		}
	}
	return false
}

func (f *fakeBatches) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// running is a subscriber under test on a channel of its own.
type running struct {
	sub     *redischan.Subscriber
	store   event.DeadLetterStore
	channel string
	name    string // the Redis client's name
	pub     *redis.Client
}

// startSubscriber runs a subscriber (through addr when given) and waits
// for its subscription.
func startSubscriber(t *testing.T, app redischan.BatchQuantities, addr string, tune func(*redischan.SubscriberConfig)) *running {
	t.Helper()
	r := &running{store: openStore(t), channel: unique(t, "cbq"), name: unique(t, "sub")}
	cfg := redischan.SubscriberConfig{Channel: r.channel, RetryBase: 5 * time.Millisecond,
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 100 * time.Millisecond, Logger: testLogger(t)}
	if tune != nil {
		tune(&cfg)
	}
	var err error
	r.sub, err = redischan.NewSubscriber(cfg, client(t, r.name, addr), app, r.store)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.sub.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, "subscribed", func() bool { return r.sub.Stats().Subscribed })
	r.pub = client(t, unique(t, "pub"), "")
	return r
}

func (r *running) publish(t *testing.T, payload string) {
	t.Helper()
	if err := r.pub.Publish(context.Background(), r.channel, payload).Err(); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

func (r *running) deadLetters(t *testing.T) []event.DeadLetter {
	t.Helper()
	dls, err := r.store.DeadLetters(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	return dls
}

func TestSubscriberChangesBatchQuantity(t *testing.T) {
	t.Parallel()
	fake := newFake("b-1")
	r := startSubscriber(t, fake, "", nil)
	r.publish(t, `{"batchref": "b-1", "qty": 7}`)
	eventually(t, "b-1 set to 7", func() bool { return fake.called("b-1=7") })
	eventually(t, "handled counted", func() bool { return r.sub.Stats().Handled == 1 })
	if st := r.sub.Stats(); st.Received != 1 || st.DeadLettered != 0 || st.Reconnects != 0 {
		t.Errorf("stats %+v, want one received and handled, nothing else", st)
	}
}

func TestSubscriberDeadLettersMessagesThatCannotSucceed(t *testing.T) {
	t.Parallel()
	cases := []struct{ payload, reason string }{
		{`{not json`, "want a JSON object"},
		{`[1, 2]`, "want a JSON object"},
		{`null`, "not null"},
		{`{"batchref": "b-1", "qty": 1} trailing`, "want a JSON object"},
		{`{"batchref": "b-1", "qty": 1, "sku": "X"}`, `unknown field "sku"`},
		{`{"BatchRef": "b-1", "qty": 1}`, `unknown field "BatchRef"`},
		{`{"batchref": "b-1"}`, "qty: want an integer"},
		{`{"batchref": "b-1", "qty": null}`, "qty: want an integer"},
		{`{"batchref": "b-1", "qty": "3"}`, "qty: want an integer"},
		{`{"batchref": "b-1", "qty": 2.5}`, "qty: want an integer"},
		{`{"batchref": "b-1", "qty": -1}`, "must not be negative"},
		{`{"qty": 1}`, "batchref: want a non-empty string"},
		{`{"batchref": 7, "qty": 1}`, "batchref: want a non-empty string"},
		{`{"batchref": "", "qty": 1}`, "batchref: want a non-empty string"},
		{`{"batchref": "no-such-batch", "qty": 1}`, "not found"},
		{`{"batchref": "b-1", "qty": 1000000000}`, "invalid"},
		{`{"batchref": "b-1", "qty": 9, "qty": 5}`, `field "qty" given twice`},
		{`{"batchref": "b-1", "batchref": "nope", "qty": 5}`, `field "batchref" given twice`},
		{`{"batchref": "b 1!", "qty": 1}`, `batchref "b 1!": want 1-64 letters, digits or ._:-`},
		{`{"batchref": "` + strings.Repeat("x", 3000) + `", "qty": 1}`, `batchref "` + strings.Repeat("x", 64) + `"… (3000 bytes)`},
		// Over the bound: kept cut to it, refused before any lookup.
		{`{"batchref": "` + strings.Repeat("y", 2*redischan.MaxMessage) + `", "qty": 1}`, "bytes: a change_batch_quantity message is at most"},
	}
	fake := newFake("b-1")
	r := startSubscriber(t, fake, "", nil)
	for _, c := range cases {
		r.publish(t, c.payload)
	}
	var dls []event.DeadLetter
	eventually(t, fmt.Sprintf("%d dead letters", len(cases)), func() bool {
		dls = r.deadLetters(t)
		return len(dls) == len(cases)
	})
	byPayload := map[string]event.DeadLetter{}
	for _, d := range dls {
		byPayload[string(d.Payload)] = d
	}
	for _, c := range cases {
		d, ok := byPayload[c.payload[:min(len(c.payload), redischan.MaxMessage)]]
		switch {
		case !ok:
			t.Errorf("%s: no dead letter with the raw payload", c.payload)
		case !strings.Contains(d.Reason, c.reason):
			t.Errorf("%s: reason %q, want it to mention %q", c.payload, d.Reason, c.reason)
		case d.Subscription != "redis-change-batch-quantity" || d.Handler != "redis-change-batch-quantity/ChangeBatchQuantity" ||
			d.Subject != r.channel || d.Attempts != 1:
			t.Errorf("%s: dead letter %+v, want subscription, handler, subject %s and 1 attempt", c.payload, d, r.channel)
		}
	}
	if n := fake.callCount(); n != 2 {
		t.Errorf("inventory called %d times, want only for the 2 well-formed messages", n)
	}
	// Still alive: a good message after all that is applied.
	r.publish(t, `{"batchref": "b-1", "qty": 3}`)
	eventually(t, "b-1 set to 3", func() bool { return fake.called("b-1=3") })
	if st := r.sub.Stats(); st.Received != int64(len(cases)+1) || st.DeadLettered != int64(len(cases)) {
		t.Errorf("stats %+v, want %d received and %d dead-lettered", st, len(cases)+1, len(cases))
	}
}

// A message repeated word for word is one dead letter (Redis gives it no
// id, so its payload is its name) whose attempts count every arrival, so
// that the list agrees with the dead-lettered counter.
func TestSubscriberCountsARepeatedMessageOnItsDeadLetter(t *testing.T) {
	t.Parallel()
	fake := newFake("b-1")
	r := startSubscriber(t, fake, "", nil)
	const bad = `{"batchref": "gone", "qty": 1}`
	for range 3 {
		r.publish(t, bad)
	}
	eventually(t, "three messages dead-lettered", func() bool { return r.sub.Stats().DeadLettered == 3 })
	dls := r.deadLetters(t)
	if len(dls) != 1 || dls[0].Attempts != 3 || string(dls[0].Payload) != bad {
		t.Fatalf("dead letters %+v, want one for %s with 3 attempts", dls, bad)
	}
}

func TestSubscriberRetriesTransientFailuresThenDeadLetters(t *testing.T) {
	t.Parallel()
	fake := newFake("b-flaky", "b-down")
	fake.errs["b-flaky"] = []error{errStore, errStore}
	fake.errs["b-down"] = []error{errStore, errStore, errStore}
	r := startSubscriber(t, fake, "", nil)
	r.publish(t, `{"batchref": "b-flaky", "qty": 2}`)
	r.publish(t, `{"batchref": "b-down", "qty": 2}`)
	var dls []event.DeadLetter
	eventually(t, "b-down dead-lettered", func() bool { dls = r.deadLetters(t); return len(dls) == 1 })
	if d := dls[0]; d.Attempts != 3 || !strings.Contains(d.Reason, errStore.Error()) ||
		string(d.Payload) != `{"batchref": "b-down", "qty": 2}` {
		t.Errorf("dead letter %+v, want b-down after 3 attempts with the store error", d)
	}
	eventually(t, "b-flaky handled on its 3rd try, 4 retries, b-down dead-lettered", func() bool {
		st := r.sub.Stats()
		return st.Handled == 1 && st.Retried == 4 && st.DeadLettered == 1
	})
}

func TestSubscriberRedrive(t *testing.T) {
	t.Parallel()
	fake := newFake()
	r := startSubscriber(t, fake, "", nil)
	r.publish(t, `{"batchref": "b-late", "qty": 4}`)
	var dls []event.DeadLetter
	eventually(t, "unknown batch dead-lettered", func() bool { dls = r.deadLetters(t); return len(dls) == 1 })
	ctx := context.Background()

	if err := r.sub.Redrive(ctx, dls[0]); err == nil {
		t.Fatal("redrive while the batch is still unknown succeeded")
	}
	kept, err := r.store.DeadLetter(ctx, dls[0].ID)
	if err != nil || kept.Attempts != 2 || !strings.Contains(kept.Reason, "not found") {
		t.Fatalf("after a failed redrive: %+v, %v; want it kept with 2 attempts", kept, err)
	}
	other := kept
	other.Subscription = "someone-else"
	if err := r.sub.Redrive(ctx, other); err == nil {
		t.Error("redrive of another subscription's dead letter succeeded")
	}

	fake.learn("b-late")
	if err := r.sub.Redrive(ctx, kept); err != nil {
		t.Fatalf("redrive: %v", err)
	}
	if !fake.called("b-late=4") {
		t.Error("redrive did not apply the message")
	}
	if _, err := r.store.DeadLetter(ctx, kept.ID); err == nil {
		t.Error("dead letter still there after a successful redrive")
	}
}

func TestSubscriberResubscribesAfterItsConnectionIsKilled(t *testing.T) {
	t.Parallel()
	fake := newFake("b-1")
	r := startSubscriber(t, fake, "", nil)
	// CLIENT KILL of this subscriber's pub/sub connection only: KILL TYPE
	// pubsub would cut every other test's subscriber too.
	eventually(t, "the subscriber's connection killed", func() bool { return killClients(t, r.name) > 0 })
	eventually(t, "re-subscribed", func() bool { st := r.sub.Stats(); return st.Reconnects >= 1 && st.Subscribed })
	r.publish(t, `{"batchref": "b-1", "qty": 9}`)
	eventually(t, "b-1 set to 9 after the reconnect", func() bool { return fake.called("b-1=9") })
}

func TestSubscriberSurvivesRedisGoingAwayAndComingBack(t *testing.T) {
	t.Parallel()
	px := startProxy(t)
	fake := newFake("b-1")
	r := startSubscriber(t, fake, px.Addr(), nil)

	px.stop()
	eventually(t, "the loss noticed", func() bool { return !r.sub.Stats().Subscribed })
	px.start()
	eventually(t, "re-subscribed", func() bool { st := r.sub.Stats(); return st.Reconnects == 1 && st.Subscribed })
	r.publish(t, `{"batchref": "b-1", "qty": 5}`)
	eventually(t, "b-1 set to 5 after Redis came back", func() bool { return fake.called("b-1=5") })
}

func TestSubscriberNoticesAConnectionThatDiedSilently(t *testing.T) {
	t.Parallel()
	px := startProxy(t)
	fake := newFake("b-1")
	r := startSubscriber(t, fake, px.Addr(), func(c *redischan.SubscriberConfig) { c.HealthCheck = 50 * time.Millisecond })

	px.silence() // no FIN, no RST: only the unanswered ping tells
	eventually(t, "re-subscribed on a new connection", func() bool {
		st := r.sub.Stats()
		return st.Reconnects == 1 && st.Subscribed
	})
	r.publish(t, `{"batchref": "b-1", "qty": 6}`)
	eventually(t, "b-1 set to 6", func() bool { return fake.called("b-1=6") })
}

// waits records the delays the subscriber announces before each attempt
// to subscribe again (its Warn records' "in").
type waits struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (w *waits) Enabled(context.Context, slog.Level) bool { return true }
func (w *waits) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *waits) WithGroup(string) slog.Handler            { return w }
func (w *waits) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "in" && r.Level == slog.LevelWarn {
			w.mu.Lock()
			w.delays = append(w.delays, a.Value.Duration())
			w.mu.Unlock()
		}
		return true
	})
	return nil
}

func (w *waits) snapshot() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.delays)
}

// TestSubscriberBacksOffWhileRedisStaysAway: the wait between attempts
// doubles from ReconnectMin up to ReconnectMax while Redis is away, and
// starts from ReconnectMin again after a subscription that worked.
func TestSubscriberBacksOffWhileRedisStaysAway(t *testing.T) {
	t.Parallel()
	px := startProxy(t)
	w := &waits{}
	const lo, hi = 2 * time.Millisecond, 16 * time.Millisecond
	r := startSubscriber(t, newFake(), px.Addr(), func(c *redischan.SubscriberConfig) {
		c.ReconnectMin, c.ReconnectMax, c.Logger = lo, hi, slog.New(w)
	})
	want := []time.Duration{lo, 2 * lo, 4 * lo, hi, hi, hi}
	px.stop()
	eventually(t, "six attempts while Redis is away", func() bool { return len(w.snapshot()) >= len(want) })
	if got := w.snapshot()[:len(want)]; !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	px.start()
	eventually(t, "re-subscribed", func() bool { return r.sub.Stats().Subscribed })
	n := len(w.snapshot())
	px.stop()
	eventually(t, "the next loss noticed", func() bool { return len(w.snapshot()) > n })
	if got := w.snapshot()[n]; got != lo {
		t.Errorf("first wait after a working subscription %v, want %v", got, lo)
	}
}

// TestLongMessagesAlikeAtTheStartAreTwoDeadLetters: what a dead letter
// keeps of a message over the bound is its start, but it is known by the
// whole message.
func TestLongMessagesAlikeAtTheStartAreTwoDeadLetters(t *testing.T) {
	t.Parallel()
	r := startSubscriber(t, newFake("b-1"), "", nil)
	long := `{"batchref": "` + strings.Repeat("z", 2*redischan.MaxMessage) + `", "qty": `
	r.publish(t, long+`1}`)
	r.publish(t, long+`2}`)
	r.publish(t, long+`2}`) // the same again: the same dead letter
	eventually(t, "two dead letters, one of them arrived twice", func() bool {
		dls := r.deadLetters(t)
		return len(dls) == 2 && dls[0].Attempts+dls[1].Attempts == 3
	})
}
