package sqlite_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/memory"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
)

func openInboxStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "events.db"), sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.RegisterSubscription(context.Background(), "billing", []string{"orders"}, []string{"OrderPlaced"}); err != nil {
		t.Fatal(err)
	}
	return s
}

// appendPlaced logs n OrderPlaced envelopes in one transaction and returns
// them as the log holds them (with their positions).
func appendPlaced(t *testing.T, s *sqlstore.Store, n int) []event.Envelope {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		for i := range n {
			env, err := event.New("orders", "OrderPlaced", "/test", "", map[string]int{"n": i})
			if err != nil {
				return err
			}
			env.Stream = "order-" + env.ID
			if err := tx.Append(ctx, env); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	envs, err := s.ReadLog(ctx, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	return envs
}

// A dead letter the horizon passed is handled when it is redriven (its
// payload carries its log position), and only then deleted.
func TestRedriveBelowTheInboxHorizon(t *testing.T) {
	ctx := context.Background()
	s := openInboxStore(t)
	log := appendPlaced(t, s, 1)
	payload, err := log[0].Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dl, err := s.PutDeadLetter(ctx, event.DeadLetter{Subscription: "billing", Handler: "billing/OrderPlaced",
		EventID: log[0].ID, EventType: "OrderPlaced", Subject: "orders.OrderPlaced", Reason: "bug", Attempts: 5, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	if _, h, err := s.PruneInbox(ctx, time.Now().Add(-7*24*time.Hour)); err != nil || h != log[0].Position {
		t.Fatalf("prune: horizon %d, %v; want %d", h, err, log[0].Position)
	}
	b, err := memory.New(memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := event.NewConsumer(event.ConsumerConfig{Name: "billing", Topics: []string{"orders"}}, b, s)
	if err != nil {
		t.Fatal(err)
	}
	var applied atomic.Int64
	c.Handle("OrderPlaced", event.WithInbox(s, "billing", func(context.Context, event.Tx, event.Envelope) error {
		applied.Add(1)
		return nil
	}))
	if err := c.Redrive(ctx, dl); err != nil {
		t.Fatalf("redrive: %v", err)
	}
	if _, err := s.DeadLetter(ctx, dl.ID); !errors.Is(err, event.ErrNotFound) {
		t.Errorf("dead letter after its redrive: %v, want not found", err)
	}
	if applied.Load() != 1 {
		t.Errorf("redriven dead letter handled %d times, want 1", applied.Load())
	}
}

// Redeliveries of handled envelopes (a replay from the stream's start)
// while a pruning pass deletes their records: none is handled again.
func TestReplayDuringPruningHandlesNothingTwice(t *testing.T) {
	ctx := context.Background()
	s := openInboxStore(t)
	const n = 5000
	envs := appendPlaced(t, s, n)
	counts := make([]atomic.Int64, n)
	h := event.WithInbox(s, "billing", func(_ context.Context, _ event.Tx, env event.Envelope) error {
		counts[env.Position-envs[0].Position].Add(1)
		return nil
	})
	for _, e := range envs {
		if err := h(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var redelivered atomic.Int64
	stop := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for {
				for i := w; i < n; i += 8 {
					select {
					case <-stop:
						return
					default:
					}
					if err := h(ctx, envs[i]); err != nil {
						t.Error(err)
						return
					}
					redelivered.Add(1)
				}
			}
		})
	}
	for deadline := time.Now().Add(10 * time.Second); redelivered.Load() < 100; {
		if time.Now().After(deadline) {
			t.Fatal("the replay did not start")
		}
		time.Sleep(time.Millisecond) // a poll interval
	}
	_, horizon, err := s.PruneInbox(ctx, time.Now().Add(time.Hour)) // every record is past the cut
	during := redelivered.Load()
	close(stop)
	wg.Wait()
	if err != nil || horizon != envs[n-1].Position {
		t.Fatalf("prune: horizon %d, %v; want %d", horizon, err, envs[n-1].Position)
	}
	twice := 0
	for i := range counts {
		if counts[i].Load() != 1 {
			twice++
		}
	}
	if twice > 0 {
		t.Errorf("%d of %d envelopes handled other than once (%d redeliveries)", twice, n, during)
	}
}
