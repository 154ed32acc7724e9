package eventstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/eventstore"
	"github.com/banchan/banchan/event/sqlite"
)

type counter struct{ N int }

func repo(b *testing.B, s eventstore.Store, every int64) *eventstore.Repository[counter] {
	r, err := eventstore.New(context.Background(), eventstore.Config[counter]{Kind: "counter",
		New: func(string) counter { return counter{} },
		Apply: func(c *counter, e event.Envelope) error {
			var d struct{ By int }
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return err
			}
			c.N += d.By
			return nil
		}, SnapshotEvery: every}, s)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkLoad loads a stream of 5,000 events folded from the first event
// and from a snapshot taken every 100 versions.
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "es.db"), sqlite.Options{Synchronous: "OFF",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 5000
	snap := repo(b, s, 100)
	l, err := snap.Load(ctx, "c-1")
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		env, _ := event.New("counters", "Counted", "/bench", "c-1", map[string]int{"by": 1})
		if err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error { return snap.Save(ctx, tx, &l, env) }); err != nil {
			b.Fatalf("event %d: %v", i, err)
		}
	}
	for _, every := range []int64{0, 100} {
		r := repo(b, s, every)
		b.Run(fmt.Sprintf("snapshot-every-%d", every), func(b *testing.B) {
			for b.Loop() {
				l, err := r.Load(ctx, "c-1")
				if err != nil || l.State.N != n {
					b.Fatalf("load: %d, %v", l.State.N, err)
				}
			}
		})
	}
}
