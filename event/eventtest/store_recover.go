package eventtest

import (
	"context"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/outbox"
)

// epochPublisher is a flakyPublisher on a broker whose storage has an
// epoch: a new epoch is a broker that lost what it stored.
type epochPublisher struct {
	flakyPublisher
	epoch atomic.Int64
}

func (p *epochPublisher) Epoch(context.Context) (int64, error) { return p.epoch.Load(), nil }

func newEpochPublisher(epoch int64) *epochPublisher {
	p := &epochPublisher{}
	p.epoch.Store(epoch)
	return p
}

// flushOnEpoch flushes a fresh relay (as a process starting) that publishes
// to a broker of this epoch, and returns what it published and republished.
func flushOnEpoch(t *testing.T, s StoreUnderTest, epoch int64) (ids []string, republished int64) {
	t.Helper()
	pub := newEpochPublisher(epoch)
	r := newRelay(t, s, pub)
	if err := r.Flush(context.Background()); err != nil {
		t.Fatalf("flush on epoch %d: %v", epoch, err)
	}
	ids, _ = pub.snapshot()
	return ids, r.Republished()
}

func idsOf(envs []event.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.ID
	}
	return out
}

func checkPublished(t *testing.T, what string, got []string, want ...[]string) {
	t.Helper()
	if w := slices.Concat(want...); !slices.Equal(got, w) {
		t.Errorf("%s: published %d envelopes %v, want %d %v", what, len(got), got, len(w), w)
	}
}

// testOutboxRecoversLostBroker publishes the log, lets a subscription handle
// part of it, and restarts the relay on brokers of the same and of new
// epochs: on a new epoch exactly the envelopes the subscription has not
// handled (of its topic and types) are published again, in log order,
// before what follows the checkpoint; on the same epoch nothing is. A
// failed recovery is done again, and a log without a backlog is
// republished whole.
func testOutboxRecoversLostBroker(t *testing.T, s StoreUnderTest) {
	register(t, s, "billing", []string{topic}, []string{"OrderPlaced"})
	appendBatches(t, s, 3, 10)
	appendTyped(t, s, topic, "OrderShipped", 99) // billing does not handle it
	log := readLog(t, s)
	if ids, n := flushOnEpoch(t, s, 1000); len(ids) != len(log) || n != 0 {
		t.Fatalf("first start: published %d of %d, republished %d; want all, none", len(ids), len(log), n)
	}
	markAllHandled(t, s, "billing", log[:20]...)
	waiting := idsOf(log[20:30])

	ids, _ := flushOnEpoch(t, s, 1000)
	checkPublished(t, "restart on the same broker", ids)
	appendBatches(t, s, 1, 5)
	fresh := idsOf(readLog(t, s)[len(log):])
	ids, n := flushOnEpoch(t, s, 2000)
	checkPublished(t, "start on a broker that lost its data", ids, waiting, fresh)
	if n != int64(len(waiting)) {
		t.Errorf("republished %d, want %d", n, len(waiting))
	}
	ids, _ = flushOnEpoch(t, s, 2000)
	checkPublished(t, "restart after the recovery", ids)

	// A recovery that fails is done again at the next start.
	pub := newEpochPublisher(3000)
	pub.failFrom = 1
	if err := newRelay(t, s, pub).Flush(context.Background()); err == nil {
		t.Fatal("a recovery whose publish failed reported success")
	}
	ids, _ = flushOnEpoch(t, s, 3000)
	checkPublished(t, "start after a failed recovery", ids, waiting, fresh)

	// A lower epoch (a clock set back) is a new broker all the same.
	ids, _ = flushOnEpoch(t, s, 500)
	checkPublished(t, "start on a broker with an older epoch", ids, waiting, fresh)
	if _, resets := s.(interface {
		ResetCheckpoint(context.Context, string, int64) error
	}); resets {
		ids, _ = flushOnEpoch(t, s, 500)
		checkPublished(t, "restart on the broker with the older epoch", ids)
	}

	// A log that keeps no backlog has the whole of it published again.
	pub = newEpochPublisher(4000)
	r, err := outbox.New(outbox.Config{Name: "relay", Batch: 10, Logger: slog.New(slog.DiscardHandler)},
		struct{ event.Log }{s}, s, pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids, _ = pub.snapshot()
	checkPublished(t, "start on a new broker, without a backlog", ids, idsOf(readLog(t, s)))
}

// seqPublisher is a flakyPublisher on a broker that numbers the messages it
// stores; lose drops its last ones (a machine crash before an fsync).
type seqPublisher struct {
	flakyPublisher
	last  *atomic.Uint64 // the broker's: shared by the relays of one test
	acked atomic.Uint64  // this client's
}

func (p *seqPublisher) Publish(ctx context.Context, envs ...event.Envelope) error {
	if err := p.flakyPublisher.Publish(ctx, envs...); err != nil {
		return err
	}
	p.acked.Store(p.last.Add(uint64(len(envs))))
	return nil
}

func (p *seqPublisher) Acknowledged() uint64                         { return p.acked.Load() }
func (p *seqPublisher) LastSequence(context.Context) (uint64, error) { return p.last.Load(), nil }

// testOutboxRecoversTailLoss: a broker that holds fewer messages than it
// acknowledged (its last ones lost) gets what subscriptions have not
// acknowledged up to the checkpoint once more on resume; a broker that
// holds all of them gets nothing again.
func testOutboxRecoversTailLoss(t *testing.T, s StoreUnderTest) {
	register(t, s, "billing", []string{topic}, []string{"OrderPlaced"})
	appendBatches(t, s, 3, 10)
	log := readLog(t, s)
	var last atomic.Uint64
	flush := func(what string) []string {
		t.Helper()
		pub := &seqPublisher{last: &last}
		if err := newRelay(t, s, pub).Flush(context.Background()); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		ids, _ := pub.snapshot()
		return ids
	}
	checkPublished(t, "first start", flush("first start"), idsOf(log))
	markAllHandled(t, s, "billing", log[:20]...)
	checkPublished(t, "restart on a broker that kept everything", flush("restart"))

	last.Store(last.Load() - 5) // the broker lost its last five messages
	checkPublished(t, "start on a broker that lost its last messages", flush("after the loss"), idsOf(log[20:]))
	checkPublished(t, "restart after the recovery", flush("after the recovery"))

	appendBatches(t, s, 1, 4)
	fresh := idsOf(readLog(t, s)[len(log):])
	checkPublished(t, "new events after the recovery", flush("new events"), fresh)
}
