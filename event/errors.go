package event

import "errors"

// permanentError marks an error that no retry can fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent marks err as one that retrying will not fix (a bad payload, an
// unknown version): the consumer sends the message to the dead letters at
// once. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

var (
	// ErrConcurrency reports that a stream's version was not the one expected.
	ErrConcurrency = errors.New("concurrency conflict")
	// ErrDuplicate reports that a message was already handled.
	ErrDuplicate = errors.New("duplicate message")
	// ErrNotFound reports a missing record (a dead letter, a stream).
	ErrNotFound = errors.New("not found")
	// ErrClosed reports use of a closed component.
	ErrClosed = errors.New("closed")
	// ErrOwnedElsewhere reports a subscription bound to another store (see
	// SubscribeOptions.Owner).
	ErrOwnedElsewhere = errors.New("subscription bound to another store")
)
