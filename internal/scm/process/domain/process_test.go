package domain

import (
	"errors"
	"testing"
	"time"

	m "github.com/banchan/banchan/internal/scm/messages"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func at(stage string) *Process {
	p := New("o-1", "")
	p.Stage = stage
	return p
}

func TestReach(t *testing.T) {
	cases := []struct {
		from, to string
		moved    bool
	}{
		{m.StageNotReceived, m.StageAccepted, true},
		{m.StageAccepted, m.StageAllocated, true},
		{m.StageAccepted, m.StageBackordered, true},
		{m.StageBackordered, m.StageAllocated, true},
		{m.StageAllocated, m.StageBackordered, true},
		{m.StageAllocated, m.StageAllocated, false},
		{m.StageAllocated, m.StageCooking, true},
		{m.StageBackordered, m.StageCooking, true},
		{m.StageAllocated, m.StageCooked, true}, // nothing to cook
		{m.StageCooking, m.StageCooking, false}, // a second task started
		{m.StageCooking, m.StageBackordered, false},
		{m.StageCooking, m.StageAccepted, false},
		{m.StageCooked, m.StageAwaitingPick, true},
		{m.StageAwaitingPick, m.StagePickedUp, true},
		{m.StagePickedUp, m.StageAwaitingPick, false},
		{m.StagePickedUp, m.StagePacked, true},
		{m.StagePacked, m.StageShipped, true},
		{m.StageShipped, m.StageDelivered, true},
		{m.StageDelivered, m.StageShipped, false},
		{m.StageCancelled, m.StageAllocated, false},
		{m.StageCancelled, m.StageDelivered, false},
	}
	for _, c := range cases {
		t.Run(c.from+"→"+c.to, func(t *testing.T) {
			p := at(c.from)
			moved, err := p.Reach(c.to, t0)
			want := c.from
			if c.moved {
				want = c.to
			}
			if err != nil || moved != c.moved || p.Stage != want || len(p.Changes) != map[bool]int{true: 1}[c.moved] {
				t.Errorf("moved=%v err=%v stage %s, %d changes; want moved=%v stage %s", moved, err, p.Stage,
					len(p.Changes), c.moved, want)
			}
		})
	}
	if _, err := at(m.StageAccepted).Reach("LOST", t0); !errors.Is(err, m.ErrInvalid) {
		t.Errorf("unknown stage: %v", err)
	}
}

func TestAllocationFollowsTheFactsAtAnyStage(t *testing.T) {
	p := at(m.StageCooking)
	if _, err := p.Reach(m.StageBackordered, t0); err != nil || p.Allocation != AllocationWaiting || p.Stage != m.StageCooking {
		t.Errorf("backordered while cooking: %v %s %s", err, p.Allocation, p.Stage)
	}
	if _, err := p.Reach(m.StageAllocated, t0); err != nil || p.Allocation != AllocationDone {
		t.Errorf("allocated again: %v %s", err, p.Allocation)
	}
}

func TestCancel(t *testing.T) {
	cases := []struct {
		from    string
		changed bool
		tooLate bool
	}{
		{m.StageNotReceived, true, false},
		{m.StageAccepted, true, false},
		{m.StageAllocated, true, false},
		{m.StageCooking, true, false},
		{m.StageAwaitingPick, true, false},
		{m.StagePacked, true, false},
		{m.StageShipped, false, true},
		{m.StageDelivered, false, true},
		{m.StageCancelled, false, false},
	}
	for _, c := range cases {
		p := at(c.from)
		from, changed, err := p.Cancel(t0)
		if from != c.from || changed != c.changed || errors.Is(err, ErrTooLate) != c.tooLate {
			t.Errorf("cancel from %s: %s %v %v", c.from, from, changed, err)
		}
		if c.changed != (p.Stage == m.StageCancelled && c.from != m.StageCancelled) {
			t.Errorf("cancel from %s: now %s", c.from, p.Stage)
		}
	}
}

func TestCleared(t *testing.T) {
	if s, all := Cleared(m.StageAllocated); len(s) != 1 || s[0] != m.StageAllocation || all {
		t.Errorf("allocated clears %v %v", s, all)
	}
	if _, all := Cleared(m.StageCancelled); !all {
		t.Error("cancelled clears all")
	}
	if s, all := Cleared(m.StageCooking); len(s) != 0 || all {
		t.Errorf("cooking clears %v %v", s, all)
	}
}
