// Package sqlstore implements event.Store and the toolkit's tables (event
// log, checkpoints, inbox, dead letters) over database/sql. The engine
// packages (event/sqlite, event/postgres) open the connection and supply the
// Dialect: their DDL, placeholder style and how appends are serialised so
// that log positions become visible in order.
//
// Group commit: with Options.GroupCommit, every Update is queued to one
// writer goroutine that runs the queued functions in a single transaction,
// each in its own savepoint, and commits once. Concurrent requests then share
// one fsync instead of paying one each.
package sqlstore
