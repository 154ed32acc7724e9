package systemtest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestDeploymentsShareADatabase runs two independent all-in-one deployments
// on one PostgreSQL database, each with a schema and a stream of its own
// (as two environments, or two test runs, would): each must relay its own
// log and allocate its own orders.
func TestDeploymentsShareADatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("external servers: skipped under -short")
	}
	var clients []*client
	for i := range 2 {
		e := newExternals(t)
		args := append(e.args(e.schema(t, "all")), "--data-dir", t.TempDir(),
			"--nats-stream", e.stream, "--nats-prefix", e.prefix)
		c := newClient(start(t, fmt.Sprintf("deployment %d", i+1), args...).url())
		if err := c.addBatch(context.Background(), "shared-db-1", "SHARED-DB-KIMCHI", 50); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	for i, c := range clients {
		var ids []string
		for n := range 3 {
			p, err := c.placeOrder(context.Background(), newOrder(fmt.Sprintf("db-%d-%d", i, n), "SHARED-DB-KIMCHI", 2), "")
			if err != nil || p.status != http.StatusCreated {
				t.Fatalf("deployment %d: place order: status %d err %v", i+1, p.status, err)
			}
			ids = append(ids, p.id)
		}
		// Nothing waits for a redelivery here: a fresh deployment answers
		// within a second.
		if _, err := awaitFinal(context.Background(), c, ids, 15*time.Second); err != nil {
			t.Errorf("deployment %d: %v", i+1, err)
		}
	}
}
