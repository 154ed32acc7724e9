package domain

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"time"
)

// Batch is stock of one SKU, in the warehouse (ETA empty) or on its way.
// Allocated and Reserved are derived from the product's allocations.
type Batch struct {
	Ref       string    `json:"ref"`
	SKU       string    `json:"sku"`
	Qty       int       `json:"qty"`
	ETA       string    `json:"eta"` // ISO date; "" = in the warehouse
	Allocated int       `json:"allocated"`
	Reserved  int       `json:"reserved"`
	AddedAt   time.Time `json:"addedAt"`
}

// Available is what the batch can still give.
func (b Batch) Available() int { return b.Qty - b.Allocated - b.Reserved }

// InWarehouse reports whether the stock is already here.
func (b Batch) InWarehouse() bool { return b.ETA == "" }

// Errors of the inventory model.
var (
	// ErrOutOfStock reports that no batch can take a line.
	ErrOutOfStock = errors.New("out of stock")
	// ErrInvalid reports an invalid batch, line or quantity.
	ErrInvalid = errors.New("invalid")
	// ErrUnknownBatch reports a batch reference the product does not have.
	ErrUnknownBatch = errors.New("unknown batch")
	// ErrDuplicateBatch reports a batch reference that already exists.
	ErrDuplicateBatch = errors.New("batch already exists")
)

var (
	refRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
	skuRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// ValidRef reports whether ref can be a batch reference: 1-64 letters,
// digits or ._:-, starting with a letter or digit.
func ValidRef(ref string) bool { return refRe.MatchString(ref) }

// MaxBatchQty bounds one batch.
const MaxBatchQty = 10_000_000

// NewBatch validates and builds a batch. eta is nil for warehouse stock or
// an ISO date (a full timestamp is cut to its date).
func NewBatch(ref, sku string, qty int, eta *string, at time.Time) (Batch, error) {
	switch {
	case !refRe.MatchString(ref):
		return Batch{}, fmt.Errorf("%w: ref %q: 1-64 letters, digits or ._:-", ErrInvalid, ref)
	case !skuRe.MatchString(sku):
		return Batch{}, fmt.Errorf("%w: sku %q: 1-64 letters, digits or ._-", ErrInvalid, sku)
	case qty <= 0 || qty > MaxBatchQty:
		return Batch{}, fmt.Errorf("%w: qty %d: must be between 1 and %d", ErrInvalid, qty, MaxBatchQty)
	}
	b := Batch{Ref: ref, SKU: sku, Qty: qty, AddedAt: at}
	if eta != nil {
		d, err := ParseETA(*eta)
		if err != nil {
			return Batch{}, err
		}
		b.ETA = d
	}
	return b, nil
}

// preferred sorts batches in allocation preference: warehouse stock first,
// then the earliest ETA, then the oldest batch.
func preferred(bs []Batch) {
	sort.SliceStable(bs, func(i, j int) bool { return before(bs[i], bs[j]) })
}

func before(a, b Batch) bool {
	if a.InWarehouse() != b.InWarehouse() {
		return a.InWarehouse()
	}
	if a.ETA != b.ETA {
		return a.ETA < b.ETA
	}
	if !a.AddedAt.Equal(b.AddedAt) {
		return a.AddedAt.Before(b.AddedAt)
	}
	return a.Ref < b.Ref
}
