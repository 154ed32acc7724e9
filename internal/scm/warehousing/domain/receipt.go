package domain

import (
	"regexp"
	"strconv"
	"time"
)

// MaxQty bounds one receipt (inventory's bound of a batch).
const MaxQty = 10_000_000

var (
	refRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
	skuRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// Receipt is stock that came in at the dock, into batch Ref.
type Receipt struct {
	ID         string    `json:"id"`
	Ref        string    `json:"ref"`
	SKU        string    `json:"sku"`
	Qty        int       `json:"qty"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// Problem names an invalid field of a receipt.
type Problem struct{ Field, Reason string }

// Check lists what is wrong with a receipt (nothing when it is valid).
func (r Receipt) Check() []Problem {
	var ps []Problem
	if !refRe.MatchString(r.Ref) {
		ps = append(ps, Problem{"ref", "1-64 letters, digits or ._:-"})
	}
	if !skuRe.MatchString(r.SKU) {
		ps = append(ps, Problem{"sku", "1-64 letters, digits or ._-"})
	}
	if r.Qty < 1 || r.Qty > MaxQty {
		ps = append(ps, Problem{"qty", "must be between 1 and " + strconv.Itoa(MaxQty)})
	}
	return ps
}
