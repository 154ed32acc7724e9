// Package domain is the order process manager's model: the stage each
// fulfilment order has reached, the history of its stages, and the
// deadlines it must meet. Pure: no I/O.
package domain

import (
	"errors"
	"fmt"
	"time"

	"github.com/banchan/banchan/internal/scm/messages"
)

// Allocation states of an order (beside its stage: an order being cooked
// may lose its stock and get it back).
const (
	AllocationPending = "PENDING"
	AllocationDone    = "ALLOCATED"
	AllocationWaiting = "BACKORDERED"
)

// rank orders the stages; a fact never moves an order backwards.
// ALLOCATED and BACKORDERED share a rank: they alternate until cooking.
var rank = map[string]int{
	messages.StageNotReceived: 0, messages.StageAccepted: 1, messages.StageAllocated: 2, messages.StageBackordered: 2,
	messages.StageCooking: 3, messages.StageCooked: 4, messages.StageAwaitingPick: 5, messages.StagePickedUp: 6,
	messages.StagePacked: 7, messages.StageShipped: 8, messages.StageDelivered: 9,
}

// ErrTooLate reports a cancellation of an order that has shipped.
var ErrTooLate = errors.New("too late to cancel: the parcel has shipped")

// Change is one entry of an order's history.
type Change struct {
	Stage string    `json:"stage"`
	At    time.Time `json:"at"`
}

// Process is one fulfilment order's progress.
type Process struct {
	OrderID     string
	Stage       string
	Allocation  string
	Correlation string
	UpdatedAt   time.Time
	Version     int64
	// Changes are the history entries added since the process was loaded.
	Changes []Change
}

// New starts the process of an order the SCM has not seen yet.
func New(orderID, correlation string) *Process {
	return &Process{OrderID: orderID, Stage: messages.StageNotReceived, Allocation: AllocationPending,
		Correlation: correlation}
}

// Reach records a fact: the order reached stage at the given time. It
// reports whether the stage changed. A stage behind the current one (a
// late or repeated fact), and anything after DELIVERED or CANCELLED, is
// ignored; ALLOCATED and BACKORDERED also set the allocation state, and
// move the stage only until cooking starts.
func (p *Process) Reach(stage string, at time.Time) (bool, error) {
	r, ok := rank[stage]
	if !ok || stage == messages.StageNotReceived {
		return false, fmt.Errorf("%w: stage %q", messages.ErrInvalid, stage)
	}
	if p.Terminal() {
		return false, nil
	}
	switch stage {
	case messages.StageAllocated:
		p.Allocation = AllocationDone
	case messages.StageBackordered:
		p.Allocation = AllocationWaiting
	}
	if r < rank[p.Stage] || stage == p.Stage || (r == rank[p.Stage] && r != rank[messages.StageAllocated]) {
		return false, nil
	}
	p.move(stage, at)
	return true, nil
}

// Cancel stops the order, reporting the stage it had reached. Cancelling a
// cancelled order changes nothing (changed false); one that has shipped
// cannot be cancelled (ErrTooLate).
func (p *Process) Cancel(at time.Time) (from string, changed bool, err error) {
	switch p.Stage {
	case messages.StageCancelled:
		return p.Stage, false, nil
	case messages.StageShipped, messages.StageDelivered:
		return p.Stage, false, ErrTooLate
	}
	from = p.Stage
	p.move(messages.StageCancelled, at)
	return from, true, nil
}

// Terminal reports whether the order's process has ended.
func (p *Process) Terminal() bool {
	return p.Stage == messages.StageDelivered || p.Stage == messages.StageCancelled
}

func (p *Process) move(stage string, at time.Time) {
	p.Stage, p.UpdatedAt = stage, at
	p.Changes = append(p.Changes, Change{Stage: stage, At: at})
}

// Deadline is a time by which an order must reach a stage. Fired is set
// once the deadline has been missed and told.
type Deadline struct {
	OrderID string    `json:"-"`
	Stage   string    `json:"stage"`
	DueAt   time.Time `json:"dueAt"`
	Fired   bool      `json:"fired"`
	// The causal chain the delay event continues.
	CorrelationID string `json:"-"`
	CausationID   string `json:"-"`
}

// Cleared lists the deadlines that reaching stage meets: allocation meets
// ALLOCATION; an order that ends (delivered, cancelled) has none left.
func Cleared(stage string) (stages []string, all bool) {
	switch stage {
	case messages.StageAllocated:
		return []string{messages.StageAllocation}, false
	case messages.StageDelivered, messages.StageCancelled:
		return nil, true
	}
	return nil, false
}
