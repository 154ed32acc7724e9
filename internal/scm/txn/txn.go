// Package txn runs the SCM modules' use cases in a store transaction,
// retrying those that meet a version conflict.
package txn

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/banchan/banchan/event"
)

// MaxAttempts bounds the tries of a use case that meets version conflicts.
const MaxAttempts = 10

// Run runs fn in a transaction of store and commits it. When fn fails with
// event.ErrConcurrency (a record changed since it was read, only possible
// with several writers, as on PostgreSQL) the transaction rolls back and
// fn runs again on fresh state; any other error is returned as is.
func Run(ctx context.Context, store event.Store, fn func(ctx context.Context, tx event.Tx) error) error {
	var err error
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		if err = store.Update(ctx, fn); !errors.Is(err, event.ErrConcurrency) {
			return err
		}
		// A little jitter keeps colliding writers from colliding again.
		time.Sleep(time.Duration(rand.Int64N(int64(attempt) * int64(time.Millisecond))))
	}
	return err
}

// Checked turns a guarded write's result into ErrConcurrency when it
// changed no row: the record was changed by another writer since it was
// read (or does not exist).
func Checked(res interface{ RowsAffected() (int64, error) }, err error, what string) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%s changed since it was read: %w", what, event.ErrConcurrency)
	}
	return nil
}
