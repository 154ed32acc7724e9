// Package eventstore keeps event-sourced aggregates in the event log: an
// aggregate's state is the fold of its stream, and a change appends new
// events at the next versions (optimistic concurrency: a writer that lost
// the race gets event.ErrConcurrency, and Update retries the command on the
// fresh state).
//
// Long streams load from snapshots: every SnapshotEvery versions, the save
// that crosses the boundary also stores the folded state, in the same
// transaction. Load reads the latest snapshot and then only the events
// after it. Snapshots carry a schema number; after a change to the state's
// shape, bump it and old snapshots are ignored (the stream is folded from
// its first event, and the next save snapshots it again).
package eventstore
