// Package adapters keeps inventory state in SQL (portable across SQLite and
// PostgreSQL; run inside the event store's transactions).
package adapters

// Migrations create the inventory tables. Steps are only ever appended.
// Step 5 keeps on scm_allocations only the indexes that queries use, the
// reservations' one partial: every allocation writes each index it is in.
// Step 6 lets a load read only the batches with stock free (partial index)
// and a batch's lines most recent first. Step 7 keeps each product's
// waiting quantity, so that a command need not read every waiting line.
// Step 8 orders each SKU's batches as the allocation prefers them, so
// that their list reads one page (it also serves lookups by SKU).
var Migrations = []string{`
CREATE TABLE scm_batches (
	ref      TEXT PRIMARY KEY,
	sku      TEXT NOT NULL,
	qty      INTEGER NOT NULL,
	eta      TEXT NOT NULL,
	added_at TEXT NOT NULL
);
CREATE INDEX scm_batches_sku ON scm_batches (sku);
CREATE TABLE scm_allocations (
	order_id     TEXT NOT NULL,
	item_code    TEXT NOT NULL,
	qty          INTEGER NOT NULL,
	batch_ref    TEXT NOT NULL,
	allocated_at TEXT NOT NULL,
	PRIMARY KEY (order_id, item_code)
);
CREATE INDEX scm_allocations_batch ON scm_allocations (batch_ref);`, `
CREATE TABLE scm_products (
	sku      TEXT PRIMARY KEY,
	version  BIGINT NOT NULL,
	next_seq BIGINT NOT NULL
);
INSERT INTO scm_products (sku, version, next_seq) SELECT DISTINCT sku, 1, 1000000 FROM scm_batches;
ALTER TABLE scm_allocations ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE scm_allocations ADD COLUMN cart_id TEXT NOT NULL DEFAULT '';
ALTER TABLE scm_allocations ADD COLUMN hold_until TEXT NOT NULL DEFAULT '';
CREATE INDEX scm_allocations_sku ON scm_allocations (item_code);
CREATE INDEX scm_allocations_hold ON scm_allocations (hold_until);
CREATE TABLE scm_backorders (
	order_id TEXT NOT NULL,
	sku      TEXT NOT NULL,
	qty      INTEGER NOT NULL,
	seq      BIGINT NOT NULL,
	since    TEXT NOT NULL,
	PRIMARY KEY (order_id, sku)
);
CREATE INDEX scm_backorders_sku ON scm_backorders (sku, seq);
CREATE TABLE scm_fulfilments (
	order_id  TEXT PRIMARY KEY,
	cart_id   TEXT NOT NULL,
	items     TEXT NOT NULL,
	state     TEXT NOT NULL,
	revision  BIGINT NOT NULL
);`, `
ALTER TABLE scm_batches ADD COLUMN allocated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scm_batches ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0;
UPDATE scm_batches SET
	allocated = (SELECT COALESCE(SUM(a.qty), 0) FROM scm_allocations a WHERE a.batch_ref = scm_batches.ref AND a.cart_id = ''),
	reserved = (SELECT COALESCE(SUM(a.qty), 0) FROM scm_allocations a WHERE a.batch_ref = scm_batches.ref AND a.cart_id <> '');
CREATE INDEX scm_allocations_cart ON scm_allocations (cart_id, item_code);`, `
ALTER TABLE scm_fulfilments ADD COLUMN correlation_id TEXT NOT NULL DEFAULT '';`, `
DROP INDEX scm_allocations_sku;
DROP INDEX scm_allocations_cart;
DROP INDEX scm_allocations_hold;
CREATE INDEX scm_allocations_hold ON scm_allocations (hold_until) WHERE cart_id <> '';`, `
DROP INDEX scm_allocations_batch;
CREATE INDEX scm_allocations_batch_seq ON scm_allocations (batch_ref, seq);
CREATE INDEX scm_batches_free ON scm_batches (sku) WHERE qty > allocated + reserved;`, `
ALTER TABLE scm_products ADD COLUMN waiting BIGINT NOT NULL DEFAULT 0;
UPDATE scm_products SET waiting = (SELECT COALESCE(SUM(b.qty), 0) FROM scm_backorders b WHERE b.sku = scm_products.sku);`, `
CREATE INDEX scm_batches_preference ON scm_batches (sku, eta, added_at, ref);
DROP INDEX scm_batches_sku;`}
