// Package sqlite opens an event store on a SQLite file (pure Go, no cgo),
// in WAL mode, durable by default: a commit is on disk before Update
// returns. Writes go through one writer with group commit, so concurrent
// requests share an fsync; the writer commits with synchronous=NORMAL and
// the store fsyncs the WAL itself after each commit, answering only then,
// so that one batch is synced while the next one runs (the same guarantee
// as synchronous=FULL, without the writer waiting for the disk).
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/banchan/banchan/event/sqlstore"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// Dialect is SQLite's.
var Dialect = sqlstore.Dialect{
	Name:   "sqlite",
	Schema: schema,
	Begin:  "BEGIN IMMEDIATE",
	// BEGIN fails inside a transaction: see sqlstore.Dialect.TxProbe.
	TxProbe: "BEGIN",
}

// schema is the toolkit's DDL as migration steps: new steps are appended,
// applied ones never change. Step 2 is the subscription registry; step 3
// gives the store its identity (see sqlstore.Store.ID).
var schema = []string{`
CREATE TABLE event_log (
	position       INTEGER PRIMARY KEY AUTOINCREMENT,
	id             TEXT NOT NULL UNIQUE,
	topic          TEXT NOT NULL,
	stream         TEXT NOT NULL,
	version        INTEGER NOT NULL,
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
CREATE TABLE event_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE event_inbox (
	subscription TEXT NOT NULL,
	event_id     TEXT NOT NULL,
	handled_at   INTEGER NOT NULL,
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
	payload      BLOB NOT NULL,
	UNIQUE (subscription, message_key)
);`, `
CREATE TABLE event_subscriptions (
	name  TEXT NOT NULL,
	topic TEXT NOT NULL,
	type  TEXT NOT NULL,
	PRIMARY KEY (name, topic, type)
);`, `
CREATE TABLE event_store (id TEXT NOT NULL);
INSERT INTO event_store (id) SELECT lower(hex(randomblob(16)));`}

// Options configure Open.
type Options struct {
	// NoGroupCommit commits every Update on its own (for comparison benchmarks).
	NoGroupCommit bool
	// Synchronous is SQLite's synchronous pragma (default FULL: durable
	// commits; with group commit, made durable by the store's own WAL sync).
	Synchronous string
	Logger      *slog.Logger
}

// Open opens (creating if needed) the SQLite database at path.
func Open(ctx context.Context, path string, opts Options) (*sqlstore.Store, error) {
	sync := strings.ToUpper(opts.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	var syncWAL, closeWAL func() error
	if sync == "FULL" && !opts.NoGroupCommit {
		wal := &walFile{path: path + "-wal"}
		sync, syncWAL, closeWAL = "NORMAL", wal.sync, wal.close
	}
	base := "file:" + url.PathEscape(path) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(" + sync + ")&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(10000)"
	w, err := sql.Open("sqlite", base)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s, err := sqlstore.New(ctx, Dialect, w, r, sqlstore.Options{GroupCommit: !opts.NoGroupCommit, Sync: syncWAL,
		AfterClose: closeWAL, Exclusive: true, PrepareReads: true, Logger: opts.Logger})
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	return s, nil
}
