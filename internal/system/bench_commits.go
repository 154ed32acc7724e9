package system

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// commitFigures are a running system's group-commit figures, read off its
// /metrics (banchan_store_*), so that a bench row can say how its commits
// were made: updates per commit, batch time and sync time.
type commitFigures struct {
	commits, updates, batchSeconds, syncs, syncSeconds float64
	slowSyncs                                          float64 // syncs over 5 ms
	waits, waitSeconds                                 float64
}

func scrapeCommitFigures(ctx context.Context, c *http.Client, base string) (commitFigures, error) {
	body, err := getMetrics(ctx, c, base)
	if err != nil {
		return commitFigures{}, err
	}
	var f commitFigures
	var upTo5ms float64
	fields := map[string]*float64{"banchan_store_commits_total": &f.commits, "banchan_store_committed_updates_total": &f.updates,
		"banchan_store_batch_seconds_total": &f.batchSeconds, "banchan_store_sync_seconds_count": &f.syncs,
		"banchan_store_sync_seconds_sum":     &f.syncSeconds,
		"banchan_store_update_seconds_count": &f.waits, "banchan_store_update_seconds_sum": &f.waitSeconds, `banchan_store_sync_seconds_bucket{le="0.005"}`: &upTo5ms}
	for line := range strings.Lines(body) {
		name, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if p := fields[name]; ok && p != nil {
			if *p, err = strconv.ParseFloat(value, 64); err != nil {
				return commitFigures{}, fmt.Errorf("metrics: %s: %w", name, err)
			}
		}
	}
	f.slowSyncs = f.syncs - upTo5ms
	return f, nil
}

// since is what happened between an earlier reading and this one.
func (f commitFigures) since(before commitFigures) commitFigures {
	return commitFigures{commits: f.commits - before.commits, updates: f.updates - before.updates,
		batchSeconds: f.batchSeconds - before.batchSeconds, syncs: f.syncs - before.syncs,
		syncSeconds: f.syncSeconds - before.syncSeconds, slowSyncs: f.slowSyncs - before.slowSyncs,
		waits: f.waits - before.waits, waitSeconds: f.waitSeconds - before.waitSeconds}
}

// note describes the commits for a bench row.
func (f commitFigures) note() string {
	if f.commits == 0 {
		return ""
	}
	per := func(total, n float64) time.Duration {
		if n == 0 {
			return 0
		}
		return time.Duration(total / n * float64(time.Second)).Round(time.Microsecond)
	}
	s := fmt.Sprintf("%.0f commits, %.1f updates each, batch %v", f.commits, f.updates/f.commits, per(f.batchSeconds, f.commits))
	if f.syncs > 0 {
		s += fmt.Sprintf(", sync %v (%.0f over 5ms)", per(f.syncSeconds, f.syncs), f.slowSyncs)
	}
	if f.waits > 0 {
		s += fmt.Sprintf("; in the store %v", per(f.waitSeconds, f.waits))
	}
	return s
}
