package sqlite_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/sqlite"
)

// BenchmarkPruneInbox measures a pruning pass over a log of 20,000 events,
// each handled by three subscriptions (60,000 inbox records): ns/op is one
// whole pass, from nothing pruned to the head.
//
//	go test ./event/sqlite -run '^$' -bench PruneInbox -benchtime 3x
func BenchmarkPruneInbox(b *testing.B) {
	const events, subs = 20_000, 3
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "events.db"), sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		names := make([]string, subs)
		for i := range names {
			names[i] = fmt.Sprintf("sub-%d", i)
			if err := s.RegisterSubscription(ctx, names[i], []string{"orders"}, []string{"OrderPlaced"}); err != nil {
				b.Fatal(err)
			}
		}
		for chunk := 0; chunk < events; chunk += 1000 {
			err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
				for i := chunk; i < chunk+1000; i++ {
					env, err := event.New("orders", "OrderPlaced", "/bench", fmt.Sprintf("o-%d", i), map[string]int{"n": i})
					if err != nil {
						return err
					}
					env.Stream = fmt.Sprintf("order-%d", i)
					if err := tx.Append(ctx, env); err != nil {
						return err
					}
					for _, n := range names {
						if _, err := tx.MarkHandled(ctx, n, env.ID); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		deleted, lowest, err := s.PruneInbox(ctx, time.Now().Add(time.Hour))
		b.StopTimer()
		if err != nil || deleted != events*subs || lowest != events {
			b.Fatalf("pruned %d records up to %d (%v); want %d up to %d", deleted, lowest, err, events*subs, events)
		}
		_ = s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(events*subs), "ns/record")
}
