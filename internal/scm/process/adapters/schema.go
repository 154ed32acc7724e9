// Package adapters keeps the process manager's state in SQL (portable
// across SQLite and PostgreSQL; run inside the event store's transactions).
package adapters

// Migrations create the process manager's tables. Steps are only ever
// appended.
var Migrations = []string{`
CREATE TABLE scm_process_orders (
	order_id       TEXT PRIMARY KEY,
	stage          TEXT NOT NULL,
	allocation     TEXT NOT NULL,
	correlation_id TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	version        BIGINT NOT NULL
);
CREATE TABLE scm_process_history (
	order_id TEXT NOT NULL,
	seq      BIGINT NOT NULL,
	stage    TEXT NOT NULL,
	at       TEXT NOT NULL,
	PRIMARY KEY (order_id, seq)
);
CREATE TABLE scm_process_deadlines (
	order_id       TEXT NOT NULL,
	stage          TEXT NOT NULL,
	due_at         TEXT NOT NULL,
	fired          INTEGER NOT NULL,
	correlation_id TEXT NOT NULL,
	causation_id   TEXT NOT NULL,
	PRIMARY KEY (order_id, stage)
);
CREATE INDEX scm_process_deadlines_due ON scm_process_deadlines (fired, due_at);`}
