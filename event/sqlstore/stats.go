package sqlstore

import (
	"sync/atomic"
	"time"
)

// SyncBuckets are the upper bounds of the sync-time histogram of
// CommitStats (the last bucket, beyond them, is unbounded).
var SyncBuckets = []time.Duration{250 * time.Microsecond, 500 * time.Microsecond, time.Millisecond,
	2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond}

// CommitStats are the group-commit writer's figures since the store opened:
// how many transactions it committed, how many Updates they held, how long
// the batches ran (first statement to commit) and, with Options.Sync, how
// long the syncs took.
type CommitStats struct {
	Commits   int64
	Updates   int64
	BatchTime time.Duration
	Syncs     int64
	SyncTime  time.Duration
	// Waits and WaitTime are the Updates queued to the writer and the time
	// they took, queued to answered (the latency the store adds).
	Waits    int64
	WaitTime time.Duration
	// SyncCounts[i] counts the syncs that took at most SyncBuckets[i] (and
	// more than the bucket before); the last counts the rest.
	SyncCounts []int64
}

type commitStats struct {
	commits, updates, batchNanos, syncs, syncNanos atomic.Int64
	waits, waitNanos                               atomic.Int64
	syncCounts                                     [10]atomic.Int64
}

func (c *commitStats) waited(since time.Time) {
	c.waits.Add(1)
	c.waitNanos.Add(int64(time.Since(since)))
}

func (c *commitStats) batch(updates int, d time.Duration) {
	c.commits.Add(1)
	c.updates.Add(int64(updates))
	c.batchNanos.Add(int64(d))
}

func (c *commitStats) sync(d time.Duration) {
	c.syncs.Add(1)
	c.syncNanos.Add(int64(d))
	i := 0
	for i < len(SyncBuckets) && d > SyncBuckets[i] {
		i++
	}
	c.syncCounts[i].Add(1)
}

// CommitStats returns the writer's figures (all zero without GroupCommit).
func (s *Store) CommitStats() CommitStats {
	c := &s.stats
	out := CommitStats{Commits: c.commits.Load(), Updates: c.updates.Load(), BatchTime: time.Duration(c.batchNanos.Load()),
		Syncs: c.syncs.Load(), SyncTime: time.Duration(c.syncNanos.Load()),
		Waits: c.waits.Load(), WaitTime: time.Duration(c.waitNanos.Load()), SyncCounts: make([]int64, len(SyncBuckets)+1)}
	for i := range out.SyncCounts {
		out.SyncCounts[i] = c.syncCounts[i].Load()
	}
	return out
}
