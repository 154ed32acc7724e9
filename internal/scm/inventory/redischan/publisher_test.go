package redischan_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/outbox"
	"github.com/banchan/banchan/event/sqlstore"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/inventory/redischan"
)

func lineAllocated(t *testing.T, order, batch string) event.Envelope {
	t.Helper()
	return envelope(t, contract.EventTopic, contract.TypeLineAllocated, order,
		contract.LineAllocated{OrderID: order, SKU: "KIMCHI-500G", Qty: 2, BatchRef: batch})
}

func envelope(t *testing.T, topic, typ, subject string, data any) event.Envelope {
	t.Helper()
	env, err := event.New(topic, typ, contract.Source, subject, data)
	if err != nil {
		t.Fatal(err)
	}
	env.Stream = "scm/product-KIMCHI-500G"
	return env
}

// wire is what a LineAllocated event must become on the channel.
func wire(t *testing.T, order, batch string) string {
	t.Helper()
	b, err := json.Marshal(contract.LineAllocated{OrderID: order, SKU: "KIMCHI-500G", Qty: 2, BatchRef: batch})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func commit(t *testing.T, st *sqlstore.Store, envs ...event.Envelope) {
	t.Helper()
	err := st.Update(context.Background(), func(ctx context.Context, tx event.Tx) error { return tx.Append(ctx, envs...) })
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
}

// startRelay runs the publisher behind an outbox relay over st.
func startRelay(t *testing.T, st *sqlstore.Store, pub event.Publisher) *outbox.Relay {
	t.Helper()
	relay, err := outbox.New(outbox.Config{Name: redischan.RelayName, MaxBackoff: 50 * time.Millisecond,
		Logger: testLogger(t)}, st, st, pub)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = relay.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return relay
}

func checkpoint(t *testing.T, st *sqlstore.Store) int64 {
	t.Helper()
	pos, err := st.Checkpoint(context.Background(), redischan.RelayName)
	if err != nil {
		t.Fatal(err)
	}
	return pos
}

func TestRelayPublishesLineAllocatedDataAndNothingElse(t *testing.T) {
	t.Parallel()
	st, channel := openStore(t), unique(t, "la")
	msgs := listen(t, channel)
	pub, err := redischan.NewPublisher(redischan.PublisherConfig{Channel: channel}, client(t, unique(t, "pub"), ""))
	if err != nil {
		t.Fatal(err)
	}
	startRelay(t, st, pub)

	commit(t, st, lineAllocated(t, "o-1", "b-1"),
		envelope(t, contract.EventTopic, contract.TypeBatchAdded, "b-2", contract.BatchAdded{Ref: "b-2", SKU: "KIMCHI-500G", Qty: 5}),
		lineAllocated(t, "o-2", "b-1"))
	for _, want := range []string{wire(t, "o-1", "b-1"), wire(t, "o-2", "b-1")} {
		if got := next(t, msgs, 5*time.Second); got != want {
			t.Fatalf("published %s, want %s", got, want)
		}
	}
	// A LineAllocated of another topic and other types are not published:
	// the next message is the one committed after them.
	commit(t, st, envelope(t, "ordering", contract.TypeLineAllocated, "o-x", map[string]any{"orderid": "o-x"}),
		envelope(t, contract.EventTopic, contract.TypeLineDeallocated, "o-1", contract.LineDeallocated{OrderID: "o-1"}))
	start := time.Now()
	commit(t, st, lineAllocated(t, "o-1", "b-2"))
	if got, want := next(t, msgs, 5*time.Second), wire(t, "o-1", "b-2"); got != want {
		t.Fatalf("published %s, want %s", got, want)
	}
	t.Logf("commit to line_allocated: %v", time.Since(start))
	eventually(t, "3 counted as published", func() bool { return pub.Published() == 3 })
	eventually(t, "checkpoint at the log's end", func() bool { return checkpoint(t, st) == 6 })
}

func TestRelayPublishesWhatWasCommittedBeforeItStarted(t *testing.T) {
	t.Parallel()
	// A crash between commit and publish: the event is in the log, the
	// relay's checkpoint is behind it; the next relay publishes it.
	st, channel := openStore(t), unique(t, "la")
	msgs := listen(t, channel)
	commit(t, st, lineAllocated(t, "o-1", "b-1"))
	pub, err := redischan.NewPublisher(redischan.PublisherConfig{Channel: channel}, client(t, unique(t, "pub"), ""))
	if err != nil {
		t.Fatal(err)
	}
	startRelay(t, st, pub)
	if got, want := next(t, msgs, 5*time.Second), wire(t, "o-1", "b-1"); got != want {
		t.Fatalf("published %s, want %s", got, want)
	}
}

func TestRelayRetriesWhileRedisIsAway(t *testing.T) {
	t.Parallel()
	st, channel := openStore(t), unique(t, "la")
	msgs := listen(t, channel)
	px := startProxy(t)
	pub, err := redischan.NewPublisher(redischan.PublisherConfig{Channel: channel}, client(t, unique(t, "pub"), px.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	counting := &countingPublisher{inner: pub}
	px.stop()
	startRelay(t, st, counting)
	commit(t, st, lineAllocated(t, "o-1", "b-1"))
	eventually(t, "publish failures", func() bool { return counting.failed.Load() >= 2 })
	if pos := checkpoint(t, st); pos != 0 {
		t.Fatalf("checkpoint %d after failed publishes, want 0", pos)
	}
	px.start()
	if got, want := next(t, msgs, 5*time.Second), wire(t, "o-1", "b-1"); got != want {
		t.Fatalf("published %s, want %s", got, want)
	}
	eventually(t, "checkpoint advanced", func() bool { return checkpoint(t, st) == 1 })
}

func TestPublisherIgnoresOtherEnvelopesWithoutTouchingRedis(t *testing.T) {
	t.Parallel()
	px := startProxy(t)
	px.stop() // any command would fail
	pub, err := redischan.NewPublisher(redischan.PublisherConfig{}, client(t, unique(t, "pub"), px.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := pub.Publish(ctx, envelope(t, contract.EventTopic, contract.TypeBatchAdded, "b-1", contract.BatchAdded{Ref: "b-1"})); err != nil {
		t.Errorf("publish of a BatchAdded: %v, want nil (ignored)", err)
	}
	if err := pub.Publish(ctx, lineAllocated(t, "o-1", "b-1")); err == nil {
		t.Error("publish of a LineAllocated with Redis away succeeded")
	}
}
