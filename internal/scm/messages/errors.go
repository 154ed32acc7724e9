package messages

import (
	"errors"
	"fmt"
)

// Errors every module reports alike (the HTTP ports map them to 404, 409
// and 422).
var (
	// ErrNotFound reports an unknown task, shipment, delivery or order.
	ErrNotFound = errors.New("not found")
	// ErrConflict reports a step the current status does not allow.
	ErrConflict = errors.New("conflict")
	// ErrInvalid reports input that can never be accepted.
	ErrInvalid = errors.New("invalid")
)

// StatusError is a step refused in the current status of a record; it is
// an ErrConflict.
type StatusError struct {
	Kind   string // "task", "shipment", "delivery", "purchase order"
	ID     string
	Status string // the current status
	Step   string // the step refused: "start", "pick", "pack"...
	Want   string // the status the step needs, if one
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s %s is %s: cannot %s", e.Kind, e.ID, e.Status, e.Step)
	if e.Want != "" {
		s += " (needs " + e.Want + ")"
	}
	return s
}

// Is makes a StatusError an ErrConflict.
func (e *StatusError) Is(target error) bool { return target == ErrConflict }

// Invalid returns an ErrInvalid with a message.
func Invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// NotFound returns an ErrNotFound naming what is missing.
func NotFound(kind, id string) error { return fmt.Errorf("%s %s: %w", kind, id, ErrNotFound) }

// Refusal is a bus request a module refused, with the reason for the
// requester's user; it unwraps to ErrInvalid or ErrConflict.
type Refusal struct {
	Err    error
	Detail string
}

func (r *Refusal) Error() string { return r.Detail }

// Unwrap returns the kind of refusal.
func (r *Refusal) Unwrap() error { return r.Err }

// AsRefusal returns the refusal err wraps, unwrapped from the bus's
// context, or err itself when there is none.
func AsRefusal(err error) error {
	var r *Refusal
	if errors.As(err, &r) {
		return r
	}
	return err
}
