package postgres_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/event/postgres"
)

// TestLeaderElectsOneAtATime: of three candidates exactly one leads at any
// moment, and another takes over when the leader steps down.
func TestLeaderElectsOneAtATime(t *testing.T) {
	t.Parallel()
	url := eventtest.PostgresURL()
	store, err := open(t, url)
	eventtest.RequireService(t, "PostgreSQL at "+url, err)
	role := fmt.Sprintf("test-%d", time.Now().UnixNano())
	var leading, maxLeading, terms atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		l := postgres.NewLeader(store.DB(), role, slog.New(slog.DiscardHandler))
		l.RetryEvery = 20 * time.Millisecond
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = l.Run(ctx, func(ctx context.Context) error {
				n := leading.Add(1)
				for m := maxLeading.Load(); n > m && !maxLeading.CompareAndSwap(m, n); m = maxLeading.Load() {
				}
				terms.Add(1)
				select { // lead briefly, then step down so another takes over
				case <-ctx.Done():
				case <-time.After(50 * time.Millisecond):
				}
				leading.Add(-1)
				return nil
			})
		}()
	}
	deadline := time.Now().Add(eventtest.Timeout)
	for terms.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // a poll interval, not a wait for an outcome
	}
	cancel()
	wg.Wait()
	if terms.Load() < 4 {
		t.Errorf("only %d leadership terms, want leadership to pass on", terms.Load())
	}
	if m := maxLeading.Load(); m != 1 {
		t.Errorf("%d leaders at once, want 1", m)
	}
}
