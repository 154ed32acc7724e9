// Package adapters keeps deliveries in SQL (portable across SQLite and
// PostgreSQL; run inside the event store's transactions).
package adapters

// Migrations create delivery's tables. Steps are only ever appended.
var Migrations = []string{`
CREATE TABLE scm_deliveries (
	id              TEXT PRIMARY KEY,
	order_id        TEXT NOT NULL UNIQUE,
	shipment_id     TEXT NOT NULL,
	status          TEXT NOT NULL,
	carrier         TEXT NOT NULL,
	tracking_number TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	shipped_at      TEXT NOT NULL,
	delivered_at    TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	version         BIGINT NOT NULL,
	correlation_id  TEXT NOT NULL
);
CREATE INDEX scm_deliveries_status ON scm_deliveries (status, created_at);`}
