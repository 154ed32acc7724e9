// Package domain is the kitchen's model: a cook task per item of an
// allocated order that needs cooking, and the item settings that say which
// items do. Pure: no I/O.
package domain

import (
	"time"

	"github.com/banchan/banchan/internal/scm/messages"
)

// Task statuses.
const (
	Pending   = "PENDING"
	Cooking   = "COOKING"
	Done      = "DONE"
	Cancelled = "CANCELLED"
)

// ValidStatus reports whether s is a task status.
func ValidStatus(s string) bool { return s == Pending || s == Cooking || s == Done || s == Cancelled }

// Task is the cooking of one item of an order.
type Task struct {
	ID        string    `json:"id"`
	OrderID   string    `json:"orderId"`
	ItemCode  string    `json:"itemCode"`
	Qty       int       `json:"quantity"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
	StartedAt time.Time `json:"startedAt,omitzero"`
	DoneAt    time.Time `json:"doneAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Version guards concurrent changes; Correlation is the order's
	// correlation id, which the task's events carry.
	Version     int64  `json:"-"`
	Correlation string `json:"-"`
}

// Start begins cooking a pending task.
func (t *Task) Start(now time.Time) error {
	if t.Status != Pending {
		return t.refuse("start", Pending)
	}
	t.Status, t.StartedAt, t.UpdatedAt = Cooking, now, now
	return nil
}

// Finish marks the task done. A pending task is started first; started
// reports that, so that the start is told too.
func (t *Task) Finish(now time.Time) (started bool, err error) {
	switch t.Status {
	case Pending:
		if err := t.Start(now); err != nil {
			return false, err
		}
		started = true
	case Cooking:
	default:
		return false, t.refuse("finish", Pending+" or "+Cooking)
	}
	t.Status, t.DoneAt, t.UpdatedAt = Done, now, now
	return started, nil
}

// Cancel stops a task that is not done; it reports whether it did.
func (t *Task) Cancel(now time.Time) bool {
	if t.Status != Pending && t.Status != Cooking {
		return false
	}
	t.Status, t.UpdatedAt = Cancelled, now
	return true
}

func (t *Task) refuse(step, want string) error {
	return &messages.StatusError{Kind: "task", ID: t.ID, Status: t.Status, Step: step, Want: want}
}

// Item is the kitchen's setting for an item code: whether it is cooked to
// order. Items without a setting are cooked (Configured is false).
type Item struct {
	ItemCode   string `json:"itemCode"`
	Cook       bool   `json:"cook"`
	Configured bool   `json:"configured"`
}

// DefaultItem is the setting of an item nobody configured: banchan are
// cooked to order.
func DefaultItem(code string) Item { return Item{ItemCode: code, Cook: true} }

// Plan returns a pending task for every item that needs cooking, in the
// order given; newID names each task.
func Plan(orderID string, items []messages.Item, cook func(itemCode string) bool, newID func() string,
	now time.Time) []Task {
	var out []Task
	for _, it := range items {
		if cook(it.ItemCode) {
			out = append(out, Task{ID: newID(), OrderID: orderID, ItemCode: it.ItemCode, Qty: it.Quantity,
				Status: Pending, CreatedAt: now, UpdatedAt: now})
		}
	}
	return out
}

// AllDone reports whether every task is done (false without tasks).
func AllDone(tasks []Task) bool {
	for _, t := range tasks {
		if t.Status != Done {
			return false
		}
	}
	return len(tasks) > 0
}
