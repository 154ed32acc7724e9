package projection

import (
	"context"
	"fmt"

	"github.com/banchan/banchan/event"
)

// Projection is one read model fed from the log.
type Projection interface {
	// Name identifies the projection: lower-case letters, digits, '-' and '_'.
	Name() string
	// Types lists the event types the projection reads (nil: every type).
	Types() []string
	// Apply folds envs, in position order, into generation gen of the read
	// model, inside tx. An error rolls back the batch and it is retried, so
	// Apply must skip (and report) envelopes it can never apply rather than
	// fail on them.
	Apply(ctx context.Context, tx event.Tx, gen int64, envs []event.Envelope) error
	// Drop deletes everything of generation gen, inside tx.
	Drop(ctx context.Context, tx event.Tx, gen int64) error
}

// Store is what the runner needs of the event store: transactions, the log,
// the commit signal and schema migrations.
type Store interface {
	event.Store
	event.LogReader
	Appended() <-chan struct{}
	Migrate(ctx context.Context, component string, steps []string) error
}

// LiveGeneration is an SQL expression for the live generation of the
// projection named by its one ? parameter. Read models filter on it
// (WHERE generation = `+LiveGeneration+`) so that each query reads one
// generation, whichever side of a switch it runs on.
const LiveGeneration = `(SELECT generation FROM projection_generations WHERE name = ? AND status = 'live')`

// Generation states.
const (
	StatusLive     = "live"
	StatusBuilding = "building"
)

var migrations = []string{`CREATE TABLE projection_generations (
	name       TEXT NOT NULL,
	generation BIGINT NOT NULL,
	status     TEXT NOT NULL,
	position   BIGINT NOT NULL,
	started_at TEXT NOT NULL,
	live_at    TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (name, generation)
)`}

// validName reports whether n is a usable projection name.
func validName(n string) error {
	if n == "" || len(n) > 64 {
		return fmt.Errorf("projection name %q: want 1 to 64 characters", n)
	}
	for _, c := range []byte(n) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("projection name %q: want lower-case letters, digits, '-' and '_'", n)
		}
	}
	return nil
}
