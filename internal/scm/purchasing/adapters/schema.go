// Package adapters keeps purchasing's state in SQL (portable across SQLite
// and PostgreSQL; run inside the event store's transactions).
package adapters

// Migrations create purchasing's tables. Steps are only ever appended.
// Step 2 drops the copy of inventory's stock levels: purchasing asks
// inventory for a level when it needs one.
var Migrations = []string{`
CREATE TABLE scm_po_reorder_points (
	sku           TEXT PRIMARY KEY,
	reorder_point INTEGER NOT NULL,
	reorder_qty   INTEGER NOT NULL,
	updated_at    TEXT NOT NULL
);
CREATE TABLE scm_po_stock (
	sku        TEXT PRIMARY KEY,
	available  INTEGER NOT NULL,
	waiting    INTEGER NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE TABLE scm_po_orders (
	id           TEXT PRIMARY KEY,
	sku          TEXT NOT NULL,
	qty          INTEGER NOT NULL,
	status       TEXT NOT NULL,
	reason       TEXT NOT NULL,
	batch_ref    TEXT NOT NULL,
	received_qty INTEGER NOT NULL,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	received_at  TEXT NOT NULL,
	version      BIGINT NOT NULL
);
CREATE UNIQUE INDEX scm_po_orders_open ON scm_po_orders (sku) WHERE status = 'OPEN';
CREATE INDEX scm_po_orders_sku ON scm_po_orders (sku, created_at);`, `
DROP TABLE scm_po_stock;`}
