// Package adapters keeps the sales read models in SQL: the projections that
// fold ordering's events into them and the queries that read them.
package adapters

// Migrations are the sales tables; steps are only ever appended. Every row
// belongs to a projection generation, so a rebuild fills a new one beside
// the live one.
var Migrations = []string{`CREATE TABLE sales_hourly (
	generation       BIGINT NOT NULL,
	hour             TEXT NOT NULL,
	sku              TEXT NOT NULL,
	units            BIGINT NOT NULL,
	amount           BIGINT NOT NULL,
	orders           BIGINT NOT NULL,
	cancellations    BIGINT NOT NULL,
	cancelled_units  BIGINT NOT NULL,
	cancelled_amount BIGINT NOT NULL,
	PRIMARY KEY (generation, hour, sku)
)`, `CREATE TABLE sales_customers (
	generation       BIGINT NOT NULL,
	customer_id      TEXT NOT NULL,
	orders           BIGINT NOT NULL,
	cancelled        BIGINT NOT NULL,
	units            BIGINT NOT NULL,
	amount           BIGINT NOT NULL,
	cancelled_amount BIGINT NOT NULL,
	first_order_at   TEXT NOT NULL,
	last_order_at    TEXT NOT NULL,
	PRIMARY KEY (generation, customer_id)
)`, `CREATE INDEX sales_customers_amount ON sales_customers (generation, amount)`,
	// One SKU's figures without a start date read that SKU's hours, not
	// every hour of every SKU.
	`CREATE INDEX sales_hourly_sku ON sales_hourly (generation, sku, hour)`}

// hourFormat stores hours as sortable UTC text.
const hourFormat = "2006-01-02T15:04:05Z"
