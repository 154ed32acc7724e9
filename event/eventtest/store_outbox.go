package eventtest

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/outbox"
)

// flakyPublisher records what it publishes; while failing, it publishes
// half of each batch and then fails, as a broker connection lost mid-batch.
type flakyPublisher struct {
	mu       sync.Mutex
	ids      []string
	calls    int
	failFrom int // the call from which publishing fails; 0 never
	failures int
}

func (p *flakyPublisher) Publish(_ context.Context, envs ...event.Envelope) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	failing := p.failFrom > 0 && p.calls >= p.failFrom
	if failing {
		envs = envs[:len(envs)/2]
		p.failures++
	}
	for _, e := range envs {
		p.ids = append(p.ids, e.ID)
	}
	if failing {
		return errors.New("broker connection lost")
	}
	return nil
}

func (p *flakyPublisher) heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failFrom = 0
}

func (p *flakyPublisher) snapshot() (ids []string, failures int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.ids...), p.failures
}

// appendBatches commits batches transactions of size envelopes each, spread
// over three streams. It reports failures with t.Error, so that it may run
// on any goroutine.
func appendBatches(t testing.TB, s event.Store, batches, size int) {
	streams := []string{"order-1", "order-2", "order-3"}
	for b := range batches {
		err := s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
			for i := range size {
				if err := tx.Append(ctx, streamEnvelope(t, streams[i%3], b*size+i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("append batch %d: %v", b, err)
		}
	}
}

func newRelay(t testing.TB, s StoreUnderTest, pub event.Publisher) *outbox.Relay {
	r, err := outbox.New(outbox.Config{Name: "relay", Batch: 10, Logger: slog.New(slog.DiscardHandler)}, s, s, pub)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// testOutboxCrashResume lets a relay publish one batch, fail in the middle
// of the next until it is stopped, then restarts on a fresh relay: every
// envelope reaches the broker in log order, and only the failed batch may
// be published twice.
func testOutboxCrashResume(t *testing.T, s StoreUnderTest) {
	appendBatches(t, s, 3, 10)
	log := readLog(t, s)
	pub := &flakyPublisher{failFrom: 2}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- newRelay(t, s, pub).Run(ctx) }()
	eventually(t, Timeout, "the relay fails mid-batch", func() bool { _, f := pub.snapshot(); return f >= 2 })
	stop()
	if err := <-done; err == nil {
		t.Error("a relay stopped while its broker fails reported success")
	}
	if cp, err := s.Checkpoint(context.Background(), "relay"); err != nil || cp != log[9].Position {
		t.Errorf("checkpoint after the crash = %d, %v; want the first batch's end %d", cp, err, log[9].Position)
	}
	pub.heal()
	if err := newRelay(t, s, pub).Flush(context.Background()); err != nil {
		t.Fatalf("flush after restart: %v", err)
	}
	ids, _ := pub.snapshot()
	failed := map[string]bool{}
	for _, e := range log[10:20] {
		failed[e.ID] = true
	}
	checkRelayed(t, log, ids, failed)
}

// checkRelayed checks that ids hold every envelope of log, first seen in log
// order, and that only those in mayRepeat appear twice.
func checkRelayed(t *testing.T, log []event.Envelope, ids []string, mayRepeat map[string]bool) {
	t.Helper()
	seen := map[string]bool{}
	var order []string
	for _, id := range ids {
		if seen[id] && !mayRepeat[id] {
			t.Errorf("%s published twice but was not in the failed batch", id)
		}
		if !seen[id] {
			seen[id] = true
			order = append(order, id)
		}
	}
	if len(order) != len(log) {
		t.Fatalf("%d distinct envelopes published, want %d", len(order), len(log))
	}
	for i, e := range log {
		if order[i] != e.ID {
			t.Fatalf("published out of order at %d: %s, want %s", i, order[i], e.ID)
		}
	}
}

// testOutboxRelayRun runs a relay while many writers commit at once: it must
// publish every envelope, in log order, even those whose positions commit
// out of order, and stop cleanly.
func testOutboxRelayRun(t *testing.T, s StoreUnderTest) {
	pub := &flakyPublisher{}
	r := newRelay(t, s, pub)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	const writers, commits, size = 8, 4, 3
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() { appendBatches(t, s, commits, size) })
	}
	wg.Wait()
	eventually(t, Timeout, "the relay publishes every commit", func() bool {
		ids, _ := pub.snapshot()
		return len(ids) >= writers*commits*size
	})
	stop()
	if err := <-done; err != nil {
		t.Errorf("relay run: %v", err)
	}
	ids, _ := pub.snapshot()
	checkRelayed(t, readLog(t, s), ids, nil)
}
