// Package adapters keeps the ordering context's state in SQL (SQLite or
// PostgreSQL through the event store's transactions; the SQL is portable).
package adapters

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/domain"
)

// Migrations create the ordering tables. Append new steps; never edit one
// that has shipped. Step 2 adds placed_ns (placedAt in Unix nanoseconds) for
// paging a customer's orders newest first: the text placed_at does not sort
// by time (RFC 3339 with trimmed fractions). Orders stored before step 2
// keep 0 and sort as the oldest, which they are, in id order (UUIDv7 ids
// sort by creation time). Step 3 keeps what each customer knows of each of
// its orders beside the customer's events (see Customers); a customer whose
// events predate it fills its rows on its next change.
var Migrations = []string{`
CREATE TABLE ordering_orders (
	id           TEXT PRIMARY KEY,
	customer_id  TEXT NOT NULL,
	status       TEXT NOT NULL,
	total_amount BIGINT NOT NULL,
	placed_at    TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	doc          TEXT NOT NULL
);
CREATE INDEX ordering_orders_customer ON ordering_orders (customer_id, placed_at);
CREATE TABLE ordering_idempotency (
	key          TEXT PRIMARY KEY,
	request_hash TEXT NOT NULL,
	order_id     TEXT NOT NULL,
	response     TEXT NOT NULL,
	created_at   TEXT NOT NULL
);`, `
ALTER TABLE ordering_orders ADD COLUMN placed_ns BIGINT NOT NULL DEFAULT 0;
CREATE INDEX ordering_orders_customer_recent ON ordering_orders (customer_id, placed_ns, id);`, `
CREATE TABLE ordering_customer_orders (
	customer_id TEXT NOT NULL,
	order_id    TEXT NOT NULL,
	placed      BOOLEAN NOT NULL,
	cancelled   BOOLEAN NOT NULL,
	PRIMARY KEY (customer_id, order_id)
);`}

// ErrNotFound reports an unknown order.
var ErrNotFound = errors.New("order not found")

// Orders is the SQL repository of orders.
type Orders struct{}

// Insert stores a new order.
func (Orders) Insert(ctx context.Context, tx event.Querier, o domain.Order) error {
	doc, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ordering_orders
		(id, customer_id, status, total_amount, placed_at, updated_at, doc, placed_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.CustomerID, string(o.Status), o.TotalAmount, ts(o.PlacedAt), ts(o.UpdatedAt), string(doc),
		o.PlacedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("insert order %s: %w", o.ID, err)
	}
	return nil
}

// Get loads an order or returns ErrNotFound.
func (Orders) Get(ctx context.Context, q event.Querier, id string) (domain.Order, error) {
	var doc string
	err := q.QueryRowContext(ctx, `SELECT doc FROM ordering_orders WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Order{}, fmt.Errorf("order %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return domain.Order{}, fmt.Errorf("load order %s: %w", id, err)
	}
	var o domain.Order
	if err := json.Unmarshal([]byte(doc), &o); err != nil {
		return domain.Order{}, fmt.Errorf("decode order %s: %w", id, err)
	}
	return o, nil
}

// Update loads an order inside tx, applies fn and saves the result. fn's
// error leaves the order as it was.
func (r Orders) Update(ctx context.Context, tx event.Tx, id string, fn func(*domain.Order) error) error {
	if err := tx.Lock(ctx, "order:"+id); err != nil {
		return err
	}
	o, err := r.Get(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := fn(&o); err != nil {
		return err
	}
	doc, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE ordering_orders SET status = ?, updated_at = ?, doc = ? WHERE id = ?`,
		string(o.Status), ts(o.UpdatedAt), string(doc), o.ID)
	if err != nil {
		return fmt.Errorf("save order %s: %w", id, err)
	}
	return nil
}

// IdempotentResponse is the first answer given for an Idempotency-Key.
type IdempotentResponse struct {
	RequestHash string
	OrderID     string
	Response    []byte
}

// Idempotency keeps Idempotency-Key records.
type Idempotency struct{}

// Get returns the record for key, or ok=false.
func (Idempotency) Get(ctx context.Context, q event.Querier, key string) (IdempotentResponse, bool, error) {
	var r IdempotentResponse
	var resp string
	err := q.QueryRowContext(ctx, `SELECT request_hash, order_id, response FROM ordering_idempotency WHERE key = ?`,
		key).Scan(&r.RequestHash, &r.OrderID, &resp)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("idempotency key: %w", err)
	}
	r.Response = []byte(resp)
	return r, true, nil
}

// Put records the first answer for key.
func (Idempotency) Put(ctx context.Context, tx event.Querier, key string, r IdempotentResponse, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO ordering_idempotency (key, request_hash, order_id, response, created_at)
		VALUES (?, ?, ?, ?, ?)`, key, r.RequestHash, r.OrderID, string(r.Response), ts(at))
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	return nil
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
