package systemtest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event/postgres"
)

// TestBrokerDataLost deletes the embedded broker's directory while the
// process is stopped and holds orders whose OrderPlaced the broker had
// stored but no subscription had consumed (the scm-adapter was not running).
// At the next start the relay must republish exactly those from the log:
// every order reaches ALLOCATED, and the batch holds each order once.
func TestBrokerDataLost(t *testing.T) {
	if testing.Short() {
		t.Skip("three process starts: skipped under -short")
	}
	t.Run("SQLite", func(t *testing.T) { brokerDataLost(t, nil) })
	t.Run("PostgreSQL", func(t *testing.T) {
		url := envOr(envPostgresURL, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
		requireService(t, "PostgreSQL at "+url, pingPostgres(url))
		schema := "systest_" + randomHex(t) + "_brokerloss"
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := postgres.DropSchema(ctx, url, schema); err != nil {
				t.Logf("drop schema %s: %v", schema, err)
			}
		})
		brokerDataLost(t, []string{"--postgres-url", url, "--postgres-schema", schema})
	})
}

// lostMarker starts the relay's log line after a recovery.
const lostMarker = "broker lost its data; republished"

func brokerDataLost(t *testing.T, storeArgs []string) {
	dir := t.TempDir()
	args := append([]string{"--data-dir", dir, "--shutdown-timeout", "10s"}, storeArgs...)
	ctx := context.Background()

	// 1: everything runs; three orders are allocated (handled everywhere).
	p := start(t, "banchan #1", args...)
	c := newClient(p.url())
	if err := c.addBatch(ctx, "lost-1", "LOST-KIMCHI", 100); err != nil {
		t.Fatal(err)
	}
	handled, held := placeOrders(t, c, "before", 3)
	if _, err := awaitFinal(ctx, c, handled, 30*time.Second); err != nil {
		t.Fatalf("orders before the loss: %v", err)
	}
	stop(t, p)

	// 2: without the scm-adapter, five OrderPlaced are published (the
	// graceful stop flushes the relay) and nobody consumes them.
	p = start(t, "banchan #2 (ordering and scm only)", append(args, "--services", "ordering,scm")...)
	c.point(p.url())
	waiting, more := placeOrders(t, c, "waiting", 5)
	stop(t, p)
	if strings.Contains(p.stderr.String(), lostMarker) {
		t.Errorf("a restart on the same broker storage recovered:\n%s", p.tail(20))
	}

	if _, err := os.Stat(filepath.Join(dir, "nats")); err != nil {
		t.Fatalf("the embedded broker's directory: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "nats")); err != nil {
		t.Fatal(err)
	}

	// 3: everything runs on an empty broker.
	p = start(t, "banchan #3 (broker data lost)", args...)
	c.point(p.url())
	views, err := awaitFinal(ctx, c, slices.Concat(handled, waiting), settleTimeout)
	if err != nil {
		t.Fatalf("orders after the broker lost its data: %v", err)
	}
	for id, v := range views {
		if v.Status != "ALLOCATED" || v.Lines[0].BatchRef != "lost-1" {
			t.Errorf("order %s: %s on batch %q, want ALLOCATED on lost-1", id, v.Status, v.Lines[0].BatchRef)
		}
	}
	checkBatch(t, c, "lost-1", held+more)
	line := fmt.Sprintf("%s %d of ", lostMarker, len(waiting))
	if err := eventually(ctx, 10*time.Second, func() error {
		if !strings.Contains(p.stderr.String(), line) {
			return fmt.Errorf("no %q in the log", line)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}

// placeOrders places n orders for LOST-KIMCHI of 1, 2, ... n units and
// returns their ids and the units they ask for.
func placeOrders(t *testing.T, c *client, group string, n int) (ids []string, qty int) {
	t.Helper()
	for i := range n {
		req := newOrder(fmt.Sprintf("%s-%d", group, i), "LOST-KIMCHI", i+1)
		p, err := c.placeOrder(context.Background(), req, fmt.Sprintf("key-%s-%d", group, i))
		if err != nil || p.status != http.StatusCreated {
			t.Fatalf("place order %s-%d: status %d err %v %s", group, i, p.status, err, p.body)
		}
		ids, qty = append(ids, p.id), qty+i+1
	}
	return ids, qty
}

// stop ends p with SIGTERM and expects a clean exit.
func stop(t *testing.T, p *proc) {
	t.Helper()
	code, _, err := p.terminate(20 * time.Second)
	if err != nil || code != 0 {
		t.Fatalf("%s: exit %d after SIGTERM, err %v\n%s", p.name, code, err, p.tail(20))
	}
}

// checkBatch checks that a batch holds exactly want units allocated.
func checkBatch(t *testing.T, c *client, ref string, want int) {
	t.Helper()
	b, err := c.batch(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if b.Allocated != want || b.Available != b.Qty-want {
		t.Errorf("batch %s: %d allocated, %d available of %d; want %d allocated: allocations lost or doubled",
			ref, b.Allocated, b.Available, b.Qty, want)
	}
}
