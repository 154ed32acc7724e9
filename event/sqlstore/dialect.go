package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Dialect holds what differs between SQL engines.
type Dialect struct {
	// Name of the engine, for messages.
	Name string
	// Schema is the toolkit's DDL, run once at open.
	Schema []string
	// NumberedParams rewrites ? to $1, $2, ... when true.
	NumberedParams bool
	// Begin starts a write transaction on conn (for group commit).
	Begin string
	// LockAppend, if set, runs inside a transaction before its first append
	// so that log positions commit in position order.
	LockAppend string
	// LockKey, if set, takes a transaction-scoped lock on the key given as
	// its one parameter (see event.Tx.Lock).
	LockKey string
	// TxProbe, if set, is a statement that fails inside a transaction and
	// begins one outside it (SQLite: BEGIN). The group-commit writer runs
	// it after a job's statement failed, to learn whether the engine rolled
	// the whole transaction back (SQLite does on some errors: a full disk,
	// an I/O error, out of memory, a conflict clause of ROLLBACK).
	TxProbe string
	// ViewIsolation is the isolation level of View's read-only
	// transactions: one that reads a single snapshot (PostgreSQL:
	// repeatable read; SQLite's default, in WAL mode, already does).
	ViewIsolation sql.IsolationLevel
	// Conflict, if set, reports an engine error that means the transaction
	// lost to a concurrent one and may simply be run again (PostgreSQL: a
	// deadlock or a serialization failure). Update reports such an error
	// as event.ErrConcurrency too, so that callers retrying on version
	// conflicts retry it as well.
	Conflict func(error) bool
}

// Rebind rewrites ? placeholders for the dialect. ? inside quotes is kept.
func (d Dialect) Rebind(q string) string {
	if !d.NumberedParams || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n, quoted := 0, false
	for _, r := range q {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '?' && !quoted:
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// rawQuerier is what *sql.DB, *sql.Conn and *sql.Tx have in common.
type rawQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rebinder adapts a rawQuerier to ? placeholders.
type rebinder struct {
	q rawQuerier
	d Dialect
}

func (r rebinder) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return r.q.ExecContext(ctx, r.d.Rebind(q), args...)
}

func (r rebinder) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.q.QueryContext(ctx, r.d.Rebind(q), args...)
}

func (r rebinder) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return r.q.QueryRowContext(ctx, r.d.Rebind(q), args...)
}
