// Package adapters keeps the warehouse's state in SQL (portable across
// SQLite and PostgreSQL; run inside the event store's transactions).
package adapters

// Migrations create the warehouse's tables. Steps are only ever appended.
var Migrations = []string{`
CREATE TABLE scm_wh_orders (
	order_id       TEXT PRIMARY KEY,
	allocated      INTEGER NOT NULL,
	cooked         INTEGER NOT NULL,
	cancelled      INTEGER NOT NULL,
	shipment_id    TEXT NOT NULL,
	correlation_id TEXT NOT NULL,
	version        BIGINT NOT NULL
);
CREATE TABLE scm_wh_shipments (
	id             TEXT PRIMARY KEY,
	order_id       TEXT NOT NULL UNIQUE,
	status         TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	picked_at      TEXT NOT NULL,
	packed_at      TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	version        BIGINT NOT NULL,
	correlation_id TEXT NOT NULL
);
CREATE INDEX scm_wh_shipments_status ON scm_wh_shipments (status, created_at);
CREATE TABLE scm_wh_receipts (
	id          TEXT PRIMARY KEY,
	ref         TEXT NOT NULL,
	sku         TEXT NOT NULL,
	qty         INTEGER NOT NULL,
	received_at TEXT NOT NULL
);`}
