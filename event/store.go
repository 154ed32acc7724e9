package event

import (
	"context"
	"database/sql"
	"time"
)

// Querier runs SQL. Queries use ? placeholders on every engine; the store
// rewrites them for engines that number their parameters.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is one unit of work: a service's state changes, the events they raise
// and the inbox record of the message that caused them, committed together
// or not at all. A Tx is used by the function it is given to, on that
// function's goroutine, and not after it returns.
type Tx interface {
	Querier
	// Append adds envelopes to the ordered event log (the outbox); the relay
	// publishes them once the transaction commits. Each envelope needs a
	// Topic and a Stream. A zero Version appends at the stream's next
	// version; a non-zero Version must be exactly the next one, or Append
	// fails with ErrConcurrency (optimistic concurrency).
	Append(ctx context.Context, envs ...Envelope) error
	// MarkHandled records that subscription handled the event with this id.
	// It reports false if that was already recorded: the caller must then
	// change nothing.
	MarkHandled(ctx context.Context, subscription, eventID string) (bool, error)
	// Lock serialises transactions that lock the same key, until commit.
	// Engines with a single writer need no lock and do nothing. Take locks
	// before the first Append.
	Lock(ctx context.Context, key string) error
}

// StreamReader is implemented by transactions that read a stream of the
// log as the transaction sees it: with its own appends and, under group
// commit, those of the functions before it in the same commit. A command
// that loads its aggregate this way inside its transaction cannot meet a
// version conflict on a single-writer store.
type StreamReader interface {
	ReadStream(ctx context.Context, stream string, afterVersion int64, limit int) ([]Envelope, error)
}

// Store is a service's transactional store with the toolkit's tables: the
// event log, relay checkpoints, the inbox and the dead letters.
type Store interface {
	// Update runs fn in a transaction and commits it when fn returns nil.
	// fn may be run together with other callers' functions in one commit
	// (group commit), each inside its own savepoint: fn's error rolls back
	// fn's work only. fn must not call Update.
	Update(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// Read returns a Querier for reads outside a transaction.
	Read() Querier
	// View runs fn with a Querier whose reads all see one snapshot (a
	// read-only transaction): a view that takes several queries shows one
	// moment, not the writes committed between them. fn must not write
	// and should be short (it holds the snapshot).
	View(ctx context.Context, fn func(ctx context.Context, q Querier) error) error
	// Rebind rewrites ? placeholders for the engine (for callers building SQL).
	Rebind(query string) string
	Ping(ctx context.Context) error
	Close() error
}

// Exclusive is implemented by stores that report whether this process is
// the only writer of their data (an embedded database file). Callers may
// then keep what they wrote in memory between transactions, provided they
// validate it against a stored version, since a rolled-back transaction
// leaves such a copy ahead of the database.
type Exclusive interface {
	Exclusive() bool
}

// Log reads the ordered event log.
type Log interface {
	// ReadLog returns up to limit envelopes with a position above after, in
	// position order.
	ReadLog(ctx context.Context, after int64, limit int) ([]Envelope, error)
	// Appended is closed when envelopes have been committed since it was
	// obtained; obtain it again to wait for the next commit.
	Appended() <-chan struct{}
}

// Checkpoints keep named positions in the log.
type Checkpoints interface {
	Checkpoint(ctx context.Context, name string) (int64, error)
	SetCheckpoint(ctx context.Context, name string, position int64) error
}

// DeadLetter is a message that a subscription gave up on.
type DeadLetter struct {
	ID           string    `json:"id"`
	Subscription string    `json:"subscription"`
	Handler      string    `json:"handler"`
	EventID      string    `json:"eventId,omitempty"`
	EventType    string    `json:"eventType,omitempty"`
	Subject      string    `json:"subject"`
	Reason       string    `json:"reason"`
	Attempts     int       `json:"attempts"`
	FailedAt     time.Time `json:"failedAt"`
	Payload      []byte    `json:"-"`
	// Accumulate adds Attempts to those of a stored dead letter of the same
	// message rather than replacing them: for a source that never
	// redelivers (Redis pub/sub), where each arrival of a message is one
	// attempt of it. Not stored.
	Accumulate bool `json:"-"`
	// Key tells this message from the subscription's others: by default
	// its event id, else a hash of its payload; a source that keeps only
	// the start of a long payload sets the key of the whole. A dead letter
	// read back carries the key it was stored under, so that putting it
	// again (a failed redrive) updates it.
	Key string `json:"-"`
}

// DeadLetterStore keeps dead letters until they are redriven or purged.
type DeadLetterStore interface {
	// PutDeadLetter stores d; a repeat for the same subscription and message
	// (its Key, else its event id, else its payload) updates the stored one: its
	// reason, handler, time and attempts, which d's replace, or add to with
	// d.Accumulate. It returns the dead letter as stored.
	PutDeadLetter(ctx context.Context, d DeadLetter) (DeadLetter, error)
	// DeadLetters lists dead letters oldest first; subscription "" lists all.
	DeadLetters(ctx context.Context, subscription string, limit int) ([]DeadLetter, error)
	// DeadLetter returns one, or ErrNotFound.
	DeadLetter(ctx context.Context, id string) (DeadLetter, error)
	// DeleteDeadLetter removes one, or reports ErrNotFound.
	DeleteDeadLetter(ctx context.Context, id string) error
}

// LogQuery selects envelopes from the log; empty fields select everything.
type LogQuery struct {
	// After is the position to start after (0: from the beginning).
	After int64
	// Until, when positive, is the last position to consider.
	Until int64
	Type  string
	// Types selects any of these types (on top of Type, if both are set).
	Types         []string
	CorrelationID string
	Stream        string
	// AfterVersion, with Stream, starts after this stream version.
	AfterVersion int64
	Subject      string
	Limit        int
}

// LogReader answers queries over the log, in position order.
type LogReader interface {
	QueryLog(ctx context.Context, q LogQuery) ([]Envelope, error)
	// Head is the position of the last committed envelope (0 for an empty
	// log). Positions commit in order, so nothing at or below Head commits
	// after Head was read: a reader that has seen everything up to Head has
	// missed nothing.
	Head(ctx context.Context) (int64, error)
}
