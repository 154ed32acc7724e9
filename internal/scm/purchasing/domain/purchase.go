// Package domain is purchasing's model: reorder points per SKU, and the
// purchase orders raised when stock runs short (lines backordered, or
// available stock below the reorder point). Pure: no I/O.
package domain

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/banchan/banchan/internal/scm/messages"
)

// Purchase order statuses.
const (
	Open     = "OPEN"
	Received = "RECEIVED"
)

// ValidStatus reports whether s is a purchase order status.
func ValidStatus(s string) bool { return s == Open || s == Received }

// MaxQty bounds a quantity (inventory's bound of a batch).
const MaxQty = 10_000_000

var skuRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidSKU reports whether s can be a SKU.
func ValidSKU(s string) bool { return skuRe.MatchString(s) }

// ReorderPoint says when to buy more of a SKU: when available stock falls
// below Point, order Qty. A zero Point never reorders.
type ReorderPoint struct {
	SKU   string `json:"sku"`
	Point int    `json:"reorderPoint"`
	Qty   int    `json:"reorderQty"`
}

// Check reports what is wrong with a reorder point.
func (rp ReorderPoint) Check() []Problem {
	var ps []Problem
	if rp.Point < 0 || rp.Point > MaxQty {
		ps = append(ps, Problem{"reorderPoint", fmt.Sprintf("must be between 0 and %d", MaxQty)})
	}
	if rp.Qty < 0 || rp.Qty > MaxQty || (rp.Point > 0 && rp.Qty == 0) {
		ps = append(ps, Problem{"reorderQty", fmt.Sprintf("must be between 1 and %d when reorderPoint is set", MaxQty)})
	}
	return ps
}

// Problem names an invalid field.
type Problem struct{ Field, Reason string }

// Level is a SKU's stock as inventory last told it.
type Level struct {
	SKU       string `json:"sku"`
	Available int    `json:"available"`
	Waiting   int    `json:"waiting"`
}

// Need is how much of a SKU must be on order, and why: every backordered
// unit (the new batch must hold the waiting lines, which fit in no
// existing one), plus the reorder quantity while available stock is below
// the reorder point.
func Need(l Level, rp ReorderPoint) (int, string) {
	need := 0
	var why []string
	if l.Waiting > 0 {
		need += l.Waiting
		why = append(why, fmt.Sprintf("%d backordered", l.Waiting))
	}
	if rp.Point > 0 && l.Available < rp.Point {
		need += rp.Qty
		why = append(why, fmt.Sprintf("available %d below reorder point %d", l.Available, rp.Point))
	}
	return need, strings.Join(why, "; ")
}

// PurchaseOrder is stock ordered from a supplier. At most one per SKU is
// OPEN.
type PurchaseOrder struct {
	ID          string    `json:"id"`
	SKU         string    `json:"sku"`
	Qty         int       `json:"quantity"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason"`
	BatchRef    string    `json:"batchRef,omitempty"`
	ReceivedQty int       `json:"receivedQuantity,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	ReceivedAt  time.Time `json:"receivedAt,omitzero"`
	Version     int64     `json:"-"`
}

// Raise decides what a shortage needs given the SKU's open purchase order
// (nil if none): a new order for need, the open one grown to need when it
// no longer covers it, or nothing (no need, or the open order covers it).
// It returns the order to save and whether it is new.
func Raise(open *PurchaseOrder, sku string, need int, reason, id string, now time.Time) (po *PurchaseOrder, isNew bool) {
	switch {
	case need <= 0:
		return nil, false
	case open == nil:
		return &PurchaseOrder{ID: id, SKU: sku, Qty: need, Status: Open, Reason: reason, CreatedAt: now, UpdatedAt: now}, true
	case open.Qty >= need:
		return nil, false
	}
	grown := *open
	grown.Qty, grown.Reason, grown.UpdatedAt = need, reason, now
	return &grown, false
}

// Receive records that the stock arrived, qty units (0: what was ordered),
// into a batch named after the order.
func (p *PurchaseOrder) Receive(qty int, now time.Time) error {
	if p.Status != Open {
		return &messages.StatusError{Kind: "purchase order", ID: p.ID, Status: p.Status, Step: "receive", Want: Open}
	}
	if qty == 0 {
		qty = p.Qty
	}
	if qty < 1 || qty > MaxQty {
		return messages.Invalid("qty %d: must be between 1 and %d", qty, MaxQty)
	}
	p.Status, p.ReceivedQty, p.BatchRef, p.ReceivedAt, p.UpdatedAt = Received, qty, p.ID, now, now
	return nil
}
