// Package postgres opens an event store on PostgreSQL through pgx. Every
// transaction that appends to the log first takes one advisory lock, held to
// commit, so that log positions become visible in position order and the
// relay can never skip a position that commits late.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/banchan/banchan/event/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// appendLockID is the advisory lock that orders appends to the log.
const appendLockID = 7243001

// Dialect is PostgreSQL's.
var Dialect = sqlstore.Dialect{
	Name:           "postgres",
	Schema:         schema,
	NumberedParams: true,
	Begin:          "BEGIN",
	LockAppend:     fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", appendLockID),
	LockKey:        "SELECT pg_advisory_xact_lock(hashtext(?))",
	ViewIsolation:  sql.LevelRepeatableRead,
	Conflict:       lostToAnother,
}

// lostToAnother reports a deadlock (40P01) or a serialization failure
// (40001): PostgreSQL rolled the transaction back in favour of another, and
// running it again may succeed.
func lostToAnother(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}

// schema is the toolkit's DDL as migration steps: new steps are appended,
// applied ones never change. Step 2 is the subscription registry; step 3
// gives the store its identity (see sqlstore.Store.ID).
var schema = []string{`
CREATE TABLE event_log (
	position       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id             TEXT NOT NULL UNIQUE,
	topic          TEXT NOT NULL,
	stream         TEXT NOT NULL,
	version        BIGINT NOT NULL,
	type           TEXT NOT NULL,
	source         TEXT NOT NULL,
	subject        TEXT NOT NULL,
	time           TEXT NOT NULL,
	correlation_id TEXT NOT NULL,
	causation_id   TEXT NOT NULL,
	traceparent    TEXT NOT NULL,
	data           TEXT NOT NULL,
	UNIQUE (stream, version)
);
CREATE INDEX event_log_type ON event_log (type, position);
CREATE INDEX event_log_correlation ON event_log (correlation_id, position);
CREATE TABLE event_checkpoints (name TEXT PRIMARY KEY, position BIGINT NOT NULL);
CREATE TABLE event_inbox (
	subscription TEXT NOT NULL,
	event_id     TEXT NOT NULL,
	handled_at   BIGINT NOT NULL,
	PRIMARY KEY (subscription, event_id)
);
CREATE TABLE event_dead_letters (
	id           TEXT PRIMARY KEY,
	subscription TEXT NOT NULL,
	message_key  TEXT NOT NULL,
	handler      TEXT NOT NULL,
	event_id     TEXT NOT NULL,
	event_type   TEXT NOT NULL,
	subject      TEXT NOT NULL,
	reason       TEXT NOT NULL,
	attempts     INTEGER NOT NULL,
	failed_at    TEXT NOT NULL,
	payload      BYTEA NOT NULL,
	UNIQUE (subscription, message_key)
);`, `
CREATE TABLE event_subscriptions (
	name  TEXT NOT NULL,
	topic TEXT NOT NULL,
	type  TEXT NOT NULL,
	PRIMARY KEY (name, topic, type)
);`, `
CREATE TABLE event_store (id TEXT NOT NULL);
INSERT INTO event_store (id) VALUES (md5(random()::text || clock_timestamp()::text));`}

// Options configure Open.
type Options struct {
	// Schema holds every table (created if missing); default "public".
	Schema   string
	MaxConns int
	Logger   *slog.Logger
}

var schemaRe = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Open connects to the database at url and prepares the schema.
func Open(ctx context.Context, url string, opts Options) (*sqlstore.Store, error) {
	if opts.Schema == "" {
		opts.Schema = "public"
	}
	if !schemaRe.MatchString(opts.Schema) {
		return nil, fmt.Errorf("postgres: schema %q must be lower-case letters, digits and _", opts.Schema)
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 16
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg.RuntimeParams["search_path"] = opts.Schema
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect to database %q at %s:%d: %w", cfg.Database, cfg.Host, cfg.Port, err)
	}
	if err := createSchema(ctx, db, opts.Schema); err != nil {
		db.Close()
		return nil, err
	}
	s, err := sqlstore.New(ctx, Dialect, db, nil, sqlstore.Options{Logger: opts.Logger})
	if err != nil {
		db.Close()
		return nil, err // named "postgres: ..." by the store
	}
	return s, nil
}

// createSchema creates schema unless it exists. Processes starting together
// on a fresh database take turns (a lock on the database): two concurrent
// CREATE SCHEMA IF NOT EXISTS fail the second with a duplicate key.
func createSchema(ctx context.Context, db *sql.DB, schema string) error {
	err := func() error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('banchan/create-schema'))"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
			return err
		}
		return tx.Commit()
	}()
	if err != nil {
		return fmt.Errorf("postgres: create schema %s: %w", schema, err)
	}
	return nil
}

// DropSchema removes a schema and everything in it (for tests).
func DropSchema(ctx context.Context, url, schema string) error {
	if !schemaRe.MatchString(schema) {
		return fmt.Errorf("postgres: bad schema %q", schema)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	_, err = db.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
	return err
}
