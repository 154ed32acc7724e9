package adapters

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/projection"
	ordering "github.com/banchan/banchan/internal/ordering/contract"
)

// CustomersName is the customer order counts projection.
const CustomersName = "customers"

// stampFormat keeps order times as fixed-width text, so that they compare
// as they sort.
const stampFormat = "2006-01-02T15:04:05.000000000Z"

// Customer is one customer's ordering so far.
type Customer struct {
	CustomerID      string `json:"customerId"`
	Orders          int64  `json:"orders"`
	Cancelled       int64  `json:"cancelled"`
	Units           int64  `json:"units"`
	Amount          int64  `json:"amount"` // of every order placed
	CancelledAmount int64  `json:"cancelledAmount"`
	// NetAmount is Amount less CancelledAmount: what the ranking sorts by.
	NetAmount    int64     `json:"netAmount"`
	FirstOrderAt time.Time `json:"firstOrderAt,omitzero"`
	LastOrderAt  time.Time `json:"lastOrderAt,omitzero"`
}

// Customers counts each customer's placed and cancelled orders.
type Customers struct{ decoder }

// NewCustomers returns the customer counts projection.
func NewCustomers(log *slog.Logger) *Customers {
	return &Customers{decoder{projection: CustomersName, log: log}}
}

// Name implements projection.Projection.
func (*Customers) Name() string { return CustomersName }

// Types implements projection.Projection.
func (*Customers) Types() []string {
	return []string{ordering.TypeOrderPlaced, ordering.TypeOrderCancelled}
}

// Apply sums the batch per customer, then adds it to the stored rows.
func (c *Customers) Apply(ctx context.Context, tx event.Tx, gen int64, envs []event.Envelope) error {
	sum := map[string]*Customer{}
	get := func(id string) *Customer {
		if sum[id] == nil {
			sum[id] = &Customer{CustomerID: id}
		}
		return sum[id]
	}
	c.each(envs, func(e ordering.OrderPlaced, at time.Time) {
		cu := get(e.CustomerID)
		cu.Orders++
		for _, l := range e.Lines {
			cu.Units += int64(l.Qty)
			cu.Amount += int64(l.Qty) * l.UnitPrice
		}
		if cu.FirstOrderAt.IsZero() {
			cu.FirstOrderAt = at
		}
		cu.LastOrderAt = at
	}, func(e ordering.OrderCancelled, _ time.Time) {
		cu := get(e.CustomerID)
		cu.Cancelled++
		for _, l := range e.Lines {
			cu.CancelledAmount += int64(l.Qty) * l.UnitPrice
		}
	})
	rows := make([][]any, 0, len(sum))
	for _, cu := range sum {
		rows = append(rows, []any{gen, cu.CustomerID, cu.Orders, cu.Cancelled, cu.Units, cu.Amount,
			cu.CancelledAmount, stampOf(cu.FirstOrderAt), stampOf(cu.LastOrderAt)})
	}
	err := upsert(ctx, tx, `INSERT INTO sales_customers (generation, customer_id, orders, cancelled,
		units, amount, cancelled_amount, first_order_at, last_order_at)`, `ON CONFLICT (generation, customer_id) DO UPDATE SET
			orders = sales_customers.orders + excluded.orders,
			cancelled = sales_customers.cancelled + excluded.cancelled,
			units = sales_customers.units + excluded.units,
			amount = sales_customers.amount + excluded.amount,
			cancelled_amount = sales_customers.cancelled_amount + excluded.cancelled_amount,
			first_order_at = CASE WHEN sales_customers.first_order_at = '' THEN excluded.first_order_at
				ELSE sales_customers.first_order_at END,
			last_order_at = CASE WHEN excluded.last_order_at > sales_customers.last_order_at
				THEN excluded.last_order_at ELSE sales_customers.last_order_at END`, rows)
	if err != nil {
		return fmt.Errorf("customers: add %d customers: %w", len(rows), err)
	}
	return nil
}

// Drop implements projection.Projection.
func (*Customers) Drop(ctx context.Context, tx event.Tx, gen int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sales_customers WHERE generation = ?`, gen)
	return err
}

const customerColumns = `customer_id, orders, cancelled, units, amount, cancelled_amount, first_order_at, last_order_at`

// FindCustomer reads one customer from the live generation, or
// event.ErrNotFound.
func FindCustomer(ctx context.Context, db event.Querier, id string) (Customer, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+customerColumns+` FROM sales_customers
		WHERE generation = `+projection.LiveGeneration+` AND customer_id = ?`, CustomersName, id)
	if err != nil {
		return Customer{}, fmt.Errorf("customers: read %s: %w", id, err)
	}
	out, err := scanCustomers(rows)
	if err != nil {
		return Customer{}, err
	}
	if len(out) == 0 {
		return Customer{}, fmt.Errorf("customer %s: %w", id, event.ErrNotFound)
	}
	return out[0], nil
}

// TopCustomers reads the live generation's customers by amount net of
// cancellations, largest first.
func TopCustomers(ctx context.Context, db event.Querier, limit int) ([]Customer, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+customerColumns+` FROM sales_customers
		WHERE generation = `+projection.LiveGeneration+` ORDER BY amount - cancelled_amount DESC, amount DESC, customer_id LIMIT ?`, CustomersName, limit)
	if err != nil {
		return nil, fmt.Errorf("customers: read top: %w", err)
	}
	return scanCustomers(rows)
}

func scanCustomers(rows *sql.Rows) ([]Customer, error) {
	defer rows.Close()
	out := []Customer{}
	for rows.Next() {
		var c Customer
		var first, last string
		if err := rows.Scan(&c.CustomerID, &c.Orders, &c.Cancelled, &c.Units, &c.Amount, &c.CancelledAmount,
			&first, &last); err != nil {
			return nil, fmt.Errorf("customers: scan: %w", err)
		}
		c.FirstOrderAt, c.LastOrderAt = parseStamp(first), parseStamp(last)
		c.NetAmount = c.Amount - c.CancelledAmount
		out = append(out, c)
	}
	return out, rows.Err()
}

func parseStamp(s string) time.Time {
	t, _ := time.Parse(stampFormat, s)
	return t
}

func stampOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(stampFormat)
}
