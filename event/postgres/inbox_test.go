package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/event/postgres"
	"github.com/banchan/banchan/event/sqlstore"
)

// openShared opens stores on one schema, as processes of a split
// deployment do; the schema is dropped when t ends.
// freshSchema names a schema no other test uses; it is dropped when the
// test ends.
func freshSchema(t *testing.T, url string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if err := postgres.DropSchema(context.Background(), url, schema); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

func openShared(t *testing.T, n, maxConns int) []*sqlstore.Store {
	t.Helper()
	url := eventtest.PostgresURL()
	schema := freshSchema(t, url)
	var out []*sqlstore.Store
	for range n {
		s, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema, MaxConns: maxConns,
			Logger: slog.New(slog.DiscardHandler)})
		eventtest.RequireService(t, "PostgreSQL at "+url, err)
		if err != nil {
			t.FailNow()
		}
		t.Cleanup(func() { _ = s.Close() })
		out = append(out, s)
	}
	return out
}

// One process handles, another prunes; redelivered to the first, the
// pruned envelope is not handled again. With one connection per process,
// handling does not wait for a second one.
func TestInboxAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	stores := openShared(t, 2, 1)
	a, b := stores[0], stores[1]
	if err := a.RegisterSubscription(ctx, "billing", []string{"orders"}, []string{"OrderPlaced"}); err != nil {
		t.Fatal(err)
	}
	env, err := event.New("orders", "OrderPlaced", "/test", "", map[string]int{})
	if err != nil {
		t.Fatal(err)
	}
	env.Stream = "order-" + env.ID
	if err := a.Update(ctx, func(ctx context.Context, tx event.Tx) error { return tx.Append(ctx, env) }); err != nil {
		t.Fatal(err)
	}
	logged, err := a.ReadLog(ctx, 0, 10)
	if err != nil || len(logged) != 1 {
		t.Fatalf("log: %v, %v", logged, err)
	}
	env = logged[0]
	applied := 0
	h := event.WithInbox(a, "billing", func(context.Context, event.Tx, event.Envelope) error { applied++; return nil })
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := h(hctx, env); err != nil {
		t.Fatal(err)
	}
	if _, horizon, err := b.PruneInbox(ctx, time.Now().Add(time.Hour)); err != nil || horizon != env.Position {
		t.Fatalf("prune: horizon %d, %v; want %d", horizon, err, env.Position)
	}
	if err := h(hctx, env); err != nil {
		t.Fatal(err)
	}
	if applied != 1 {
		t.Errorf("handled %d times, want 1", applied)
	}
}
