package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"
)

// Leader elects one process among many sharing a database: the holder of a
// session-level advisory lock named after the role. Processes sharing a
// PostgreSQL log use it so that one outbox relay publishes at a time; the
// others stand by and take over within RetryEvery when the leader dies
// (its session ends and PostgreSQL releases the lock).
type Leader struct {
	db         *sql.DB
	name       string
	lockID     int64
	RetryEvery time.Duration
	Log        *slog.Logger
}

// NewLeader prepares an election for role name on db.
func NewLeader(db *sql.DB, name string, log *slog.Logger) *Leader {
	h := fnv.New64a()
	_, _ = h.Write([]byte("banchan-leader:" + name))
	if log == nil {
		log = slog.Default()
	}
	return &Leader{db: db, name: name, lockID: int64(h.Sum64() >> 1), RetryEvery: 2 * time.Second, Log: log}
}

// Run calls fn whenever this process becomes the leader, with a context
// that ends when leadership is lost (the lock's session fails) or ctx ends,
// until ctx ends.
func (l *Leader) Run(ctx context.Context, fn func(ctx context.Context) error) error {
	for ctx.Err() == nil {
		led, err := l.term(ctx, fn)
		if err != nil && ctx.Err() == nil {
			l.Log.Warn("leader election", "role", l.name, "err", err)
		}
		if led && ctx.Err() == nil {
			continue // lost the lock: compete again at once
		}
		select {
		case <-ctx.Done():
		case <-time.After(l.RetryEvery):
		}
	}
	return nil
}

// term tries to take the lock and, holding it, runs fn.
func (l *Leader) term(ctx context.Context, fn func(context.Context) error) (bool, error) {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, l.lockID).Scan(&got); err != nil || !got {
		return false, err
	}
	l.Log.Info("leader", "role", l.name)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go l.watch(lctx, conn, cancel)
	err = fn(lctx)
	// Release on this session (a broken session has released it already).
	uctx, ucancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer ucancel()
	if _, uerr := conn.ExecContext(uctx, `SELECT pg_advisory_unlock($1)`, l.lockID); uerr != nil && err == nil {
		err = fmt.Errorf("release leadership: %w", uerr)
	}
	return true, err
}

// watch ends the term when the session holding the lock stops answering.
func (l *Leader) watch(ctx context.Context, conn *sql.Conn, cancel context.CancelFunc) {
	t := time.NewTicker(l.RetryEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, pcancel := context.WithTimeout(ctx, l.RetryEvery)
			err := conn.PingContext(pctx)
			pcancel()
			if err != nil && ctx.Err() == nil {
				l.Log.Warn("leader session lost", "role", l.name, "err", err)
				cancel()
				return
			}
		}
	}
}
