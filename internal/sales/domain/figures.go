// Package domain holds the sales figures: provisional (before settlement)
// units, amounts, orders and cancellations per hour and SKU, folded from
// ordering's events.
package domain

import (
	"time"

	ordering "github.com/banchan/banchan/internal/ordering/contract"
)

// AllSKUs is the key of an hour's figures over every SKU: an order with
// several SKUs counts once there.
const AllSKUs = "*"

// Figures are sales in one bucket. Amounts are integer minor units.
type Figures struct {
	Units           int64 `json:"units"`
	Amount          int64 `json:"amount"`
	Orders          int64 `json:"orders"`
	Cancellations   int64 `json:"cancellations"`
	CancelledUnits  int64 `json:"cancelledUnits"`
	CancelledAmount int64 `json:"cancelledAmount"`
}

// Add adds o to f.
func (f *Figures) Add(o Figures) {
	f.Units += o.Units
	f.Amount += o.Amount
	f.Orders += o.Orders
	f.Cancellations += o.Cancellations
	f.CancelledUnits += o.CancelledUnits
	f.CancelledAmount += o.CancelledAmount
}

// Key is one hour (UTC, truncated) and one SKU (or AllSKUs).
type Key struct {
	Hour time.Time
	SKU  string
}

// Tally accumulates figures by key.
type Tally map[Key]Figures

func (t Tally) add(k Key, f Figures) {
	cur := t[k]
	cur.Add(f)
	t[k] = cur
}

// Placed counts an order in the hour it was placed: per SKU its units,
// amount and one order, and over all SKUs one order with every line.
func (t Tally) Placed(e ordering.OrderPlaced, at time.Time) {
	hour := Hour(at)
	var all Figures
	for sku, f := range byLine(e.Lines, false) {
		t.add(Key{hour, sku}, f)
		all.Units, all.Amount = all.Units+f.Units, all.Amount+f.Amount
	}
	all.Orders = 1
	t.add(Key{hour, AllSKUs}, all)
}

// Cancelled counts a cancellation in the hour it happened.
func (t Tally) Cancelled(e ordering.OrderCancelled, at time.Time) {
	hour := Hour(at)
	var all Figures
	for sku, f := range byLine(e.Lines, true) {
		t.add(Key{hour, sku}, f)
		all.CancelledUnits, all.CancelledAmount = all.CancelledUnits+f.CancelledUnits, all.CancelledAmount+f.CancelledAmount
	}
	all.Cancellations = 1
	t.add(Key{hour, AllSKUs}, all)
}

// byLine sums an order's lines per SKU; a SKU on several lines is one order.
func byLine(lines []ordering.Line, cancelled bool) map[string]Figures {
	out := make(map[string]Figures, len(lines))
	for _, l := range lines {
		f := out[l.SKU]
		units, amount := int64(l.Qty), int64(l.Qty)*l.UnitPrice
		if cancelled {
			f.CancelledUnits, f.CancelledAmount, f.Cancellations = f.CancelledUnits+units, f.CancelledAmount+amount, 1
		} else {
			f.Units, f.Amount, f.Orders = f.Units+units, f.Amount+amount, 1
		}
		out[l.SKU] = f
	}
	return out
}

// Hour truncates t to its hour in UTC.
func Hour(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }
