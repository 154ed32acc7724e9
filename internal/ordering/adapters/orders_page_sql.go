package adapters

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/ordering/domain"
)

// ErrBadCursor reports a cursor this repository did not hand out.
var ErrBadCursor = errors.New("not a cursor from a previous page")

// OrderPage is one page of a customer's orders, newest first. Next is the
// cursor of the following page ("" after the last one).
type OrderPage struct {
	Items []domain.Order
	Next  string
}

// pagePos is where a page ends: the last order's placed_ns and id.
type pagePos struct {
	placedNs int64
	id       string
}

// ByCustomer returns up to limit of a customer's orders, newest first,
// starting after cursor ("" for the first page).
func (Orders) ByCustomer(ctx context.Context, q event.Querier, customerID string, limit int, cursor string) (OrderPage, error) {
	query := `SELECT doc, placed_ns FROM ordering_orders WHERE customer_id = ?`
	args := []any{customerID}
	if cursor != "" {
		pos, err := decodeCursor(cursor)
		if err != nil {
			return OrderPage{}, err
		}
		query += ` AND (placed_ns < ? OR (placed_ns = ? AND id < ?))`
		args = append(args, pos.placedNs, pos.placedNs, pos.id)
	}
	query += ` ORDER BY placed_ns DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	items, last, err := scanOrders(ctx, q, query, args...)
	if err != nil {
		return OrderPage{}, fmt.Errorf("orders of customer %s: %w", customerID, err)
	}
	page := OrderPage{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.Next = encodeCursor(pagePos{placedNs: last[limit-1], id: items[limit-1].ID})
	}
	return page, nil
}

// scanOrders runs query and decodes each row's order and placed_ns.
func scanOrders(ctx context.Context, q event.Querier, query string, args ...any) ([]domain.Order, []int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []domain.Order
	var placed []int64
	for rows.Next() {
		var doc string
		var ns int64
		if err := rows.Scan(&doc, &ns); err != nil {
			return nil, nil, err
		}
		var o domain.Order
		if err := json.Unmarshal([]byte(doc), &o); err != nil {
			return nil, nil, fmt.Errorf("decode order: %w", err)
		}
		out, placed = append(out, o), append(placed, ns)
	}
	return out, placed, rows.Err()
}

// encodeCursor makes an opaque cursor: base64url of "<placed_ns>|<id>".
func encodeCursor(p pagePos) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(p.placedNs, 10) + "|" + p.id))
}

func decodeCursor(s string) (pagePos, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return pagePos{}, ErrBadCursor
	}
	ns, id, ok := strings.Cut(string(raw), "|")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || n < 0 || id == "" {
		return pagePos{}, ErrBadCursor
	}
	return pagePos{placedNs: n, id: id}, nil
}
