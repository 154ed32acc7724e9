package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmtCache runs statements on the group-commit writer's connection through
// prepared statements kept per query text, so a hot statement is parsed
// once, not on every call. Only the writer goroutine uses it. Statements
// without arguments (migrations with several statements, SAVEPOINT) run
// directly, since only a single statement can be prepared.
//
// Statements run detached from their caller's cancellation: a queued job
// is always run to its end and answered (its caller checks ctx before it
// starts), and a cancellable context would cost a watching goroutine in
// database/sql and in the driver for every statement.
type stmtCache struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

const maxCachedStmts = 512

func newStmtCache(conn *sql.Conn) *stmtCache {
	return &stmtCache{conn: conn, stmts: map[string]*sql.Stmt{}}
}

func (c *stmtCache) stmt(ctx context.Context, q string) *sql.Stmt {
	if st, ok := c.stmts[q]; ok {
		return st
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil
	}
	st, err := c.conn.PrepareContext(ctx, q)
	if err != nil {
		return nil // let the direct call report the error
	}
	c.stmts[q] = st
	return st
}

func (c *stmtCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx = context.WithoutCancel(ctx)
	if len(args) > 0 {
		if st := c.stmt(ctx, q); st != nil {
			return st.ExecContext(ctx, args...)
		}
	}
	return c.conn.ExecContext(ctx, q, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	ctx = context.WithoutCancel(ctx)
	if len(args) > 0 {
		if st := c.stmt(ctx, q); st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return c.conn.QueryContext(ctx, q, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	ctx = context.WithoutCancel(ctx)
	if len(args) > 0 {
		if st := c.stmt(ctx, q); st != nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return c.conn.QueryRowContext(ctx, q, args...)
}

// execStatement runs one statement without arguments through a prepared
// statement (the writer's own: BEGIN, COMMIT and the savepoints of every
// job), which only works for a single statement.
func (c *stmtCache) execStatement(ctx context.Context, q string) error {
	ctx = context.WithoutCancel(ctx)
	var err error
	if st := c.stmt(ctx, q); st != nil {
		_, err = st.ExecContext(ctx)
	} else {
		_, err = c.conn.ExecContext(ctx, q)
	}
	return err
}

// queryRowStatement is QueryRowContext for a single statement without
// arguments, prepared like execStatement's.
func (c *stmtCache) queryRowStatement(ctx context.Context, q string) *sql.Row {
	ctx = context.WithoutCancel(ctx)
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx)
	}
	return c.conn.QueryRowContext(ctx, q)
}

func (c *stmtCache) close() {
	for _, st := range c.stmts {
		_ = st.Close()
	}
}

// readCache runs the read pool's queries through prepared statements kept
// per query text (database/sql prepares each on the connections it runs
// on), so the relay's and the projections' frequent reads are not parsed
// on every call. Safe for concurrent use.
type readCache struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newReadCache(db *sql.DB) *readCache { return &readCache{db: db, stmts: map[string]*sql.Stmt{}} }

func (c *readCache) stmt(ctx context.Context, q string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.stmts[q]
	c.mu.RUnlock()
	if ok {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[q]; ok {
		return st
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil // let the direct call report the error
	}
	c.stmts[q] = st
	return st
}

func (c *readCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, q, args...)
}

func (c *readCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if single(q) {
		if st := c.stmt(ctx, q); st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return c.db.QueryContext(ctx, q, args...)
}

func (c *readCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if single(q) {
		if st := c.stmt(ctx, q); st != nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return c.db.QueryRowContext(ctx, q, args...)
}

// single reports whether a query is one statement (only those can be
// prepared); a query is one unless it has a semicolon, which no single
// query of the toolkit or its users needs.
func single(q string) bool { return !strings.Contains(q, ";") }

func (c *readCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		_ = st.Close()
	}
	c.stmts = map[string]*sql.Stmt{}
}
