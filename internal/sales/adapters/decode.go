package adapters

import (
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/banchan/banchan/event"
	ordering "github.com/banchan/banchan/internal/ordering/contract"
)

// decoder turns ordering envelopes into contract values; an envelope that
// cannot be decoded is skipped, logged and counted, never retried: it would
// fail the same way forever and hold the projection back.
type decoder struct {
	projection string
	log        *slog.Logger
	skipped    atomic.Int64
}

func (d *decoder) skip(e event.Envelope, err error) {
	d.skipped.Add(1)
	d.log.Warn("projection skips an event it cannot read", "projection", d.projection,
		"position", e.Position, "type", e.Type, "id", e.ID, "err", err)
}

// each calls placed or cancelled for every envelope it can decode.
func (d *decoder) each(envs []event.Envelope, placed func(ordering.OrderPlaced, time.Time),
	cancelled func(ordering.OrderCancelled, time.Time)) {
	for _, e := range envs {
		switch e.Type {
		case ordering.TypeOrderPlaced:
			var v ordering.OrderPlaced
			if err := json.Unmarshal(e.Data, &v); err != nil || v.ID == "" {
				d.skip(e, orMissing(err))
				continue
			}
			placed(v, orTime(v.PlacedAt, e.Time))
		case ordering.TypeOrderCancelled:
			var v ordering.OrderCancelled
			if err := json.Unmarshal(e.Data, &v); err != nil || v.ID == "" {
				d.skip(e, orMissing(err))
				continue
			}
			cancelled(v, orTime(v.CancelledAt, e.Time))
		}
	}
}

type missingID struct{}

func (missingID) Error() string { return "payload has no order id" }

func orMissing(err error) error {
	if err != nil {
		return err
	}
	return missingID{}
}

// orTime is the business time of an event, or its envelope time.
func orTime(t, envelope time.Time) time.Time {
	if t.IsZero() {
		return envelope
	}
	return t
}

// Skipped counts envelopes the projection could not read.
func (d *decoder) Skipped() int64 { return d.skipped.Load() }
