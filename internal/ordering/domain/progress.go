package domain

import "time"

// Delay is a fulfilment deadline the order missed.
type Delay struct {
	Stage      string    `json:"stage"`
	Deadline   time.Time `json:"deadline"`
	RecordedAt time.Time `json:"recordedAt"`
}

// FulfilmentStage reports whether s is a stage the SCM reports after
// allocation (COOKING through DELIVERED).
func (s Status) FulfilmentStage() bool {
	switch s {
	case Cooking, PickedUp, Packed, Shipped, Delivered:
		return true
	}
	return false
}

// Progress applies the SCM's news that the order reached stage next at
// time at. The status only moves forward: news at or behind the status,
// or for a final order, moves nothing (moved is false). A carrier and a
// tracking number, when given, are recorded even then: where the parcel
// is stays true however late the news arrives.
func (o *Order) Progress(next Status, at time.Time, carrier, tracking string) (moved, changed bool) {
	if carrier != "" && carrier != o.Carrier {
		o.Carrier, changed = carrier, true
	}
	if tracking != "" && tracking != o.TrackingNumber {
		o.TrackingNumber, changed = tracking, true
	}
	if next.FulfilmentStage() && o.MoveTo(next, at, "") == nil {
		return true, true
	}
	if changed {
		o.touch(at)
	}
	return false, changed
}

// touch moves UpdatedAt forward to at (late news does not move it back).
func (o *Order) touch(at time.Time) {
	if at.After(o.UpdatedAt) {
		o.UpdatedAt = at
	}
}

// RecordDelay adds a missed deadline; the same stage and deadline twice is
// recorded once.
func (o *Order) RecordDelay(stage string, deadline, at time.Time) (changed bool) {
	for _, d := range o.Delays {
		if d.Stage == stage && d.Deadline.Equal(deadline) {
			return false
		}
	}
	o.Delays = append(o.Delays, Delay{Stage: stage, Deadline: deadline, RecordedAt: at})
	o.touch(at)
	return true
}
