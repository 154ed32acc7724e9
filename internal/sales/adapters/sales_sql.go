package adapters

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/projection"
	ordering "github.com/banchan/banchan/internal/ordering/contract"
	"github.com/banchan/banchan/internal/sales/domain"
)

// SalesName is the sales figures projection.
const SalesName = "sales"

// Sales folds placed and cancelled orders into hourly figures per SKU.
type Sales struct{ decoder }

// NewSales returns the sales projection.
func NewSales(log *slog.Logger) *Sales {
	return &Sales{decoder{projection: SalesName, log: log}}
}

// Name implements projection.Projection.
func (*Sales) Name() string { return SalesName }

// Types implements projection.Projection.
func (*Sales) Types() []string {
	return []string{ordering.TypeOrderPlaced, ordering.TypeOrderCancelled}
}

// Apply tallies the batch in memory and adds it to the stored hours: one
// upsert per hour and SKU the batch touches, not per event.
func (s *Sales) Apply(ctx context.Context, tx event.Tx, gen int64, envs []event.Envelope) error {
	t := domain.Tally{}
	s.each(envs, t.Placed, t.Cancelled)
	rows := make([][]any, 0, len(t))
	for k, f := range t {
		rows = append(rows, []any{gen, k.Hour.Format(hourFormat), k.SKU, f.Units, f.Amount, f.Orders,
			f.Cancellations, f.CancelledUnits, f.CancelledAmount})
	}
	err := upsert(ctx, tx, `INSERT INTO sales_hourly (generation, hour, sku, units, amount, orders,
		cancellations, cancelled_units, cancelled_amount)`, `ON CONFLICT (generation, hour, sku) DO UPDATE SET
			units = sales_hourly.units + excluded.units,
			amount = sales_hourly.amount + excluded.amount,
			orders = sales_hourly.orders + excluded.orders,
			cancellations = sales_hourly.cancellations + excluded.cancellations,
			cancelled_units = sales_hourly.cancelled_units + excluded.cancelled_units,
			cancelled_amount = sales_hourly.cancelled_amount + excluded.cancelled_amount`, rows)
	if err != nil {
		return fmt.Errorf("sales: add %d hours: %w", len(rows), err)
	}
	return nil
}

// Drop implements projection.Projection.
func (*Sales) Drop(ctx context.Context, tx event.Tx, gen int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sales_hourly WHERE generation = ?`, gen)
	return err
}

// SalesQuery selects stored hours: [From, To) (zero: unbounded), one SKU or
// (empty) every SKU with the all-SKU totals.
type SalesQuery struct {
	From, To time.Time
	SKU      string
}

// Hours reads the live generation's hours for q.
func Hours(ctx context.Context, db event.Querier, q SalesQuery) ([]domain.Row, error) {
	query := `SELECT hour, sku, units, amount, orders, cancellations, cancelled_units, cancelled_amount
		FROM sales_hourly WHERE generation = ` + projection.LiveGeneration
	args := []any{SalesName}
	if q.SKU != "" {
		query, args = query+` AND sku = ?`, append(args, q.SKU)
	}
	if !q.From.IsZero() {
		query, args = query+` AND hour >= ?`, append(args, domain.Hour(q.From).Format(hourFormat))
	}
	if !q.To.IsZero() {
		query, args = query+` AND hour < ?`, append(args, q.To.UTC().Format(hourFormat))
	}
	rows, err := db.QueryContext(ctx, query+` ORDER BY hour, sku`, args...)
	if err != nil {
		return nil, fmt.Errorf("sales: read hours: %w", err)
	}
	defer rows.Close()
	var out []domain.Row
	for rows.Next() {
		var r domain.Row
		var hour string
		if err := rows.Scan(&hour, &r.SKU, &r.Units, &r.Amount, &r.Orders, &r.Cancellations,
			&r.CancelledUnits, &r.CancelledAmount); err != nil {
			return nil, fmt.Errorf("sales: scan hour: %w", err)
		}
		if r.Hour, err = time.Parse(hourFormat, hour); err != nil {
			return nil, fmt.Errorf("sales: stored hour %q: %w", hour, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
