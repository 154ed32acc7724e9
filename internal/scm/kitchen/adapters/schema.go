// Package adapters keeps the kitchen's state in SQL (portable across SQLite
// and PostgreSQL; run inside the event store's transactions).
package adapters

// Migrations create the kitchen's tables. Steps are only ever appended.
var Migrations = []string{`
CREATE TABLE scm_kitchen_items (
	item_code  TEXT PRIMARY KEY,
	cook       INTEGER NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE TABLE scm_kitchen_orders (
	order_id       TEXT PRIMARY KEY,
	status         TEXT NOT NULL,
	correlation_id TEXT NOT NULL,
	created_at     TEXT NOT NULL
);
CREATE TABLE scm_kitchen_tasks (
	id             TEXT PRIMARY KEY,
	order_id       TEXT NOT NULL,
	item_code      TEXT NOT NULL,
	qty            INTEGER NOT NULL,
	status         TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	started_at     TEXT NOT NULL,
	done_at        TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	version        BIGINT NOT NULL,
	correlation_id TEXT NOT NULL
);
CREATE INDEX scm_kitchen_tasks_order ON scm_kitchen_tasks (order_id);
CREATE INDEX scm_kitchen_tasks_status ON scm_kitchen_tasks (status, created_at);`}
