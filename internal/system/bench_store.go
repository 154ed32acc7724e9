package system

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/sqlite"
)

// benchOrderTable is the store-level stand-in for ordering's orders table.
var benchOrderTable = []string{`CREATE TABLE bench_orders (
	id          TEXT PRIMARY KEY,
	customer_id TEXT NOT NULL,
	body        TEXT NOT NULL,
	placed_at   TEXT NOT NULL
)`}

// benchOrderBody is an order as the HTTP row sends it.
const benchOrderBody = `{"customerId":"c-1","lines":[{"sku":"BENCH-SKU","qty":1,"unitPrice":100}],` +
	`"deliveryAddress":{"name":"N","line1":"L","postcode":"1"}}`

// storeOrders measures the order transaction at the store level: clients
// goroutines each running Update (insert an order row, append its event)
// on a durable SQLite file, with or without group commit.
func (b *bench) storeOrders(ctx context.Context, groupCommit bool) benchRow {
	mode, file := "one commit per Update", "store-nogroup.db"
	if groupCommit {
		mode, file = "group commit", "store-group.db"
	}
	name := fmt.Sprintf("store Update, %s, %d goroutines", mode, b.opts.clients)
	store, err := sqlite.Open(ctx, filepath.Join(b.dir, file), sqlite.Options{NoGroupCommit: !groupCommit, Logger: b.log})
	if err != nil {
		return benchRow{phase: "orders", name: name, err: err}
	}
	defer store.Close()
	if err := store.Migrate(ctx, "bench", benchOrderTable); err != nil {
		return benchRow{phase: "orders", name: name, err: err}
	}
	res := closedLoop(ctx, b.opts.clients, b.opts.duration, b.opts.timeout, func(ctx context.Context) error {
		return store.Update(ctx, placeBenchOrder)
	})
	return res.row("orders", name)
}

// placeBenchOrder is the order transaction's shape: one row and one event.
func placeBenchOrder(ctx context.Context, tx event.Tx) error {
	id := event.NewID()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if _, err := tx.ExecContext(ctx, `INSERT INTO bench_orders (id, customer_id, body, placed_at) VALUES (?, ?, ?, ?)`,
		id, "c-1", benchOrderBody, now); err != nil {
		return err
	}
	env, err := event.New("bench-orders", "BenchOrderPlaced", "banchan-bench", id, map[string]string{"id": id, "placedAt": now})
	if err != nil {
		return err
	}
	env.Stream = "bench/order-" + id
	return tx.Append(ctx, env)
}
