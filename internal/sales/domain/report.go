package domain

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Granularity is the width of a report's buckets.
type Granularity string

// Granularities.
const (
	ByHour Granularity = "hour"
	ByDay  Granularity = "day"
)

// ErrZone means a time zone whose offset is not whole hours: hourly
// figures cannot be regrouped into its days.
var ErrZone = errors.New("time zone offset is not a whole number of hours")

// Row is one stored hour of figures.
type Row struct {
	Key
	Figures
}

// Bucket is one report period: the figures over all SKUs (or the selected
// one) and, when no SKU was selected, per SKU.
type Bucket struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Figures
	SKUs []SKUFigures `json:"skus,omitempty"`
}

// SKUFigures are one SKU's figures in a bucket.
type SKUFigures struct {
	SKU string `json:"sku"`
	Figures
}

// Group sorts hourly rows into buckets of g in zone loc, in time order.
// Rows keyed AllSKUs give a bucket's own figures; others its SKU breakdown.
// With sku set, only that SKU's rows count and there is no breakdown.
func Group(rows []Row, g Granularity, loc *time.Location, sku string) ([]Bucket, error) {
	idx := map[time.Time]*Bucket{}
	for _, r := range rows {
		start, end, err := bucketOf(r.Hour, g, loc)
		if err != nil {
			return nil, err
		}
		b := idx[start]
		if b == nil {
			b = &Bucket{Start: start, End: end}
			idx[start] = b
		}
		switch {
		case sku != "":
			if r.SKU == sku {
				b.Add(r.Figures)
			}
		case r.SKU == AllSKUs:
			b.Add(r.Figures)
		default:
			b.addSKU(r.SKU, r.Figures)
		}
	}
	out := make([]Bucket, 0, len(idx))
	for _, b := range idx {
		sort.Slice(b.SKUs, func(i, j int) bool { return b.SKUs[i].SKU < b.SKUs[j].SKU })
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

func (b *Bucket) addSKU(sku string, f Figures) {
	for i := range b.SKUs {
		if b.SKUs[i].SKU == sku {
			b.SKUs[i].Add(f)
			return
		}
	}
	b.SKUs = append(b.SKUs, SKUFigures{SKU: sku, Figures: f})
}

func bucketOf(hour time.Time, g Granularity, loc *time.Location) (time.Time, time.Time, error) {
	local := hour.In(loc)
	if _, off := local.Zone(); off%3600 != 0 {
		return time.Time{}, time.Time{}, fmt.Errorf("%s: %w", loc, ErrZone)
	}
	if g == ByHour {
		return local, local.Add(time.Hour), nil
	}
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	return day, day.AddDate(0, 0, 1), nil
}

// Total sums buckets.
func Total(bs []Bucket) Figures {
	var t Figures
	for _, b := range bs {
		t.Add(b.Figures)
	}
	return t
}
