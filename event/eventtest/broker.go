package eventtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/banchan/banchan/event"
)

// TestBroker runs the broker conformance suite. newBroker must return a
// fresh broker, isolated from every other one it returned (its own stream or
// subject prefix), and release it in t.Cleanup. Subtests run in parallel.
func TestBroker(t *testing.T, newBroker func(t *testing.T) event.Broker) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b event.Broker)
	}{
		{"RoundTrip", testRoundTrip},
		{"InvalidOptions", testInvalidOptions},
		{"OrderPerSubject", testOrderPerSubject},
		{"FanOut", testFanOut},
		{"CompetingConsumers", testCompeting},
		{"LateSubscriber", testLateSubscriber},
		{"ResumeAfterClose", testResumeAfterClose},
		{"RedeliveryAfterNak", testNakRedelivery},
		{"RedeliveryAfterCrash", testCrashRedelivery},
		{"Dedup", testDedup},
		{"RetryDoesNotBlockOthers", testRetryDoesNotBlock},
		{"DeadLetters", testDeadLetters},
		{"Owner", testOwner},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newBroker(t))
		})
	}
}

// topic is the one topic the broker suite publishes on; every subtest has a
// broker of its own.
const topic = "orders"

// payload is the data of the suite's envelopes.
type payload struct {
	N int `json:"n"`
}

// envelope builds a valid envelope on topic with data {"n": n}.
func envelope(t testing.TB, typ, subject string, n int) event.Envelope {
	t.Helper()
	env, err := event.New(topic, typ, "eventtest", subject, payload{N: n})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func publish(t testing.TB, b event.Publisher, envs ...event.Envelope) {
	t.Helper()
	if err := b.Publish(context.Background(), envs...); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

func subscribe(t testing.TB, b event.Subscriber, opts event.SubscribeOptions, h event.DeliveryHandler) event.Subscription {
	t.Helper()
	if len(opts.Topics) == 0 {
		opts.Topics = []string{topic}
	}
	s, err := b.Subscribe(context.Background(), opts, h)
	if err != nil {
		t.Fatalf("subscribe %s: %v", opts.Name, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// received is one delivery as a handler saw it.
type received struct {
	env     event.Envelope
	data    payload
	attempt int
	member  int
}

// recorder collects deliveries from any number of handlers.
type recorder struct {
	t   testing.TB
	mu  sync.Mutex
	got []received
}

func newRecorder(t testing.TB) *recorder { return &recorder{t: t} }

// record decodes d and keeps it; a delivery that does not decode fails the test.
func (r *recorder) record(d event.Delivery, member int) received {
	env, err := event.Unmarshal(d.Data())
	if err != nil {
		r.t.Errorf("delivery on %s does not decode: %v", d.Subject(), err)
	}
	var p payload
	if err := env.Decode(&p); err != nil {
		r.t.Errorf("payload of %s: %v", env.ID, err)
	}
	x := received{env: env, data: p, attempt: d.Attempt(), member: member}
	r.mu.Lock()
	r.got = append(r.got, x)
	r.mu.Unlock()
	return x
}

// acker records and acknowledges every delivery.
func (r *recorder) acker(member int) event.DeliveryHandler {
	return func(ctx context.Context, d event.Delivery) {
		r.record(d, member)
		if err := d.Ack(ctx); err != nil {
			r.t.Errorf("ack: %v", err)
		}
	}
}

func (r *recorder) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// ids counts deliveries per envelope id.
func (r *recorder) ids() map[string]int {
	out := map[string]int{}
	for _, x := range r.all() {
		out[x.env.ID]++
	}
	return out
}

// hasAll reports whether every envelope of envs was received.
func (r *recorder) hasAll(envs []event.Envelope) bool {
	got := r.ids()
	for _, e := range envs {
		if got[e.ID] == 0 {
			return false
		}
	}
	return true
}

func testRoundTrip(t *testing.T, b event.Broker) {
	if err := b.Ping(context.Background()); err != nil {
		t.Fatalf("ping: %v", err)
	}
	cause := envelope(t, "CartCheckedOut", "cart-9", 1)
	cause.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	want := envelope(t, "OrderPlaced", "order-1", 7).CausedBy(cause)
	want.Stream, want.Version, want.Position = "order-1", 3, 42
	rec := newRecorder(t)
	subscribe(t, b, event.SubscribeOptions{Name: "round-trip"}, rec.acker(0))
	publish(t, b, want)
	eventually(t, Timeout, "the envelope is delivered", func() bool { return rec.len() >= 1 })
	got := rec.all()[0]
	if got.attempt != 1 {
		t.Errorf("attempt = %d, want 1", got.attempt)
	}
	if got.data.N != 7 {
		t.Errorf("data n = %d, want 7", got.data.N)
	}
	if diff := envelopeDiff(got.env, want); diff != "" {
		t.Errorf("envelope changed in transit: %s", diff)
	}
}

// envelopeDiff names the first attribute that differs.
func envelopeDiff(got, want event.Envelope) string {
	pairs := []struct {
		name      string
		got, want any
	}{
		{"specversion", got.SpecVersion, want.SpecVersion}, {"id", got.ID, want.ID},
		{"type", got.Type, want.Type}, {"source", got.Source, want.Source},
		{"subject", got.Subject, want.Subject}, {"datacontenttype", got.DataContentType, want.DataContentType},
		{"correlationid", got.CorrelationID, want.CorrelationID}, {"causationid", got.CausationID, want.CausationID},
		{"traceparent", got.TraceParent, want.TraceParent}, {"topic", got.Topic, want.Topic},
		{"stream", got.Stream, want.Stream}, {"version", got.Version, want.Version},
		{"position", got.Position, want.Position}, {"data", string(got.Data), string(want.Data)},
	}
	for _, p := range pairs {
		if p.got != p.want {
			return fmt.Sprintf("%s = %v, want %v", p.name, p.got, p.want)
		}
	}
	if !got.Time.Equal(want.Time) {
		return fmt.Sprintf("time = %v, want %v", got.Time, want.Time)
	}
	return ""
}

func testInvalidOptions(t *testing.T, b event.Broker) {
	bad := []event.SubscribeOptions{
		{Name: "", Topics: []string{topic}},
		{Name: "Bad Name", Topics: []string{topic}},
		{Name: "no-topics"},
		{Name: "bad-topic", Topics: []string{"Orders!"}},
	}
	for _, o := range bad {
		s, err := b.Subscribe(context.Background(), o, func(context.Context, event.Delivery) {})
		if err == nil {
			_ = s.Close()
			t.Errorf("Subscribe(%+v) succeeded, want an error", o)
		}
	}
}

// testOwner: the members of a durable subscription share the store its
// first member named; a member on another store is refused, also after
// every member closed, until one takes the subscription over. Without an
// owner nothing is checked, and other subscriptions are not bound.
func testOwner(t *testing.T, b event.Broker) {
	ctx := context.Background()
	open := func(name, owner string, takeOver bool) (event.Subscription, error) {
		s, err := b.Subscribe(ctx, event.SubscribeOptions{Name: name, Topics: []string{topic}, Owner: owner, TakeOver: takeOver},
			func(ctx context.Context, d event.Delivery) { _ = d.Ack(ctx) })
		if err == nil {
			t.Cleanup(func() { _ = s.Close() })
		}
		return s, err
	}
	first, err := open("kitchen", "store-a", false)
	if err != nil {
		t.Fatalf("first member: %v", err)
	}
	if _, err := open("kitchen", "store-a", false); err != nil {
		t.Errorf("a second member on the same store: %v", err)
	}
	if _, err := open("kitchen", "store-b", false); !errors.Is(err, event.ErrOwnedElsewhere) {
		t.Errorf("a member on another store: %v, want ErrOwnedElsewhere", err)
	} else if !strings.Contains(err.Error(), "store-a") || !strings.Contains(err.Error(), "store-b") {
		t.Errorf("refusal %q names neither store", err)
	}
	if _, err := open("kitchen", "", false); err != nil {
		t.Errorf("a member naming no store: %v", err)
	}
	if _, err := open("billing", "store-b", false); err != nil {
		t.Errorf("another subscription on another store: %v", err)
	}
	// Refused, a member binds none of its topics on the way, a new one
	// listed first included.
	if s, err := b.Subscribe(ctx, event.SubscribeOptions{Name: "kitchen", Topics: []string{"extra", topic}, Owner: "store-b"},
		func(ctx context.Context, d event.Delivery) { _ = d.Ack(ctx) }); !errors.Is(err, event.ErrOwnedElsewhere) {
		if s != nil {
			_ = s.Close()
		}
		t.Errorf("a member on another store with a new topic: %v, want ErrOwnedElsewhere", err)
	}
	extra, err := b.Subscribe(ctx, event.SubscribeOptions{Name: "kitchen", Topics: []string{"extra"}, Owner: "store-a"},
		func(ctx context.Context, d event.Delivery) { _ = d.Ack(ctx) })
	if err != nil {
		t.Errorf("the owner's member on the topic a refused member named: %v", err)
	} else {
		_ = extra.Close()
	}
	_ = first.Close()
	if _, err := open("kitchen", "store-b", false); !errors.Is(err, event.ErrOwnedElsewhere) {
		t.Errorf("a member on another store after the first closed: %v, want ErrOwnedElsewhere", err)
	}
	if _, err := open("kitchen", "store-b", true); err != nil {
		t.Fatalf("taking the subscription over: %v", err)
	}
	if _, err := open("kitchen", "store-a", false); !errors.Is(err, event.ErrOwnedElsewhere) {
		t.Errorf("a member on the former owner's store: %v, want ErrOwnedElsewhere", err)
	}
}
