package system

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestScrapeCommitFigures(t *testing.T) {
	body := func(commits, updates int, syncSum string, over5 int) string {
		return strings.Join([]string{
			"# HELP banchan_store_commits_total x",
			"banchan_store_commits_total " + itoa(commits),
			"banchan_store_committed_updates_total " + itoa(updates),
			"banchan_store_batch_seconds_total 0.5",
			`banchan_store_sync_seconds_bucket{le="0.005"} ` + itoa(commits-over5),
			`banchan_store_sync_seconds_bucket{le="+Inf"} ` + itoa(commits),
			"banchan_store_sync_seconds_sum " + syncSum,
			"banchan_store_sync_seconds_count " + itoa(commits),
			"banchan_store_update_seconds_sum 2",
			"banchan_store_update_seconds_count " + itoa(updates),
			`banchan_consumer_handled_total{subscription="x"} 7`,
		}, "\n") + "\n"
	}
	reply := body(10, 20, "0.01", 0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(reply)) }))
	defer srv.Close()
	ctx := context.Background()
	before, err := scrapeCommitFigures(ctx, srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	reply = body(110, 1220, "0.11", 3)
	after, err := scrapeCommitFigures(ctx, srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	d := after.since(before)
	if d.commits != 100 || d.updates != 1200 || d.syncs != 100 || d.slowSyncs != 3 {
		t.Fatalf("delta %+v", d)
	}
	// batch time and the updates' time do not move between the two readings
	want := "100 commits, 12.0 updates each, batch 0s, sync 1ms (3 over 5ms); in the store 0s"
	if got := d.note(); got != want {
		t.Errorf("note %q, want %q", got, want)
	}
	if (commitFigures{}).note() != "" {
		t.Error("no commits: want no note")
	}
	reply = "banchan_store_commits_total lots\n"
	if _, err := scrapeCommitFigures(ctx, srv.Client(), srv.URL); err == nil || !strings.Contains(err.Error(), "banchan_store_commits_total") {
		t.Errorf("bad value: err %v, want one naming the metric", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestParseProcCPU(t *testing.T) {
	// pid (comm) state ppid ... utime=250 stime=75 (fields 14, 15)
	stat := "4242 (banchan (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 12 0 100 0 0\n"
	got, err := parseProcCPU(stat)
	if err != nil || got != 3250*time.Millisecond {
		t.Errorf("got %v, %v; want 3.25s", got, err)
	}
	for _, bad := range []string{"", "4242 banchan S 1", "4242 (b) S 1 2 3 4 5 6 7 8 9 10 x 75 0"} {
		if _, err := parseProcCPU(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestOpenLoop(t *testing.T) {
	ctx := context.Background()
	// Every due call is made, once.
	var calls atomic.Int64
	res := openLoop(ctx, 4, 1000, 100*time.Millisecond, time.Minute, func(context.Context) error { calls.Add(1); return nil })
	if res.ok != 100 || calls.Load() != 100 || len(res.latencies) != 100 {
		t.Errorf("%d ok, %d calls, %d latencies; want 100 of each", res.ok, calls.Load(), len(res.latencies))
	}
	// One client at 1000/s with calls of at least 5 ms falls behind: call k
	// is due at k ms and starts no earlier than 5k ms, so the last of 20
	// waits at least 19 × 4 + 5 = 81 ms from when it was due.
	res = openLoop(ctx, 1, 1000, 20*time.Millisecond, time.Minute, func(context.Context) error {
		time.Sleep(5 * time.Millisecond) // the call under test being slow
		return nil
	})
	if res.ok != 20 || slices.Max(res.latencies) < 81*time.Millisecond {
		t.Errorf("%d ok, worst latency %v; want 20 and at least 81ms (the wait counts)", res.ok, slices.Max(res.latencies))
	}
	// Failures are counted, not timed.
	res = openLoop(ctx, 2, 1000, 10*time.Millisecond, time.Minute, func(context.Context) error { return errors.New("no") })
	if res.ok != 0 || res.failed != 10 || res.firstErr == nil {
		t.Errorf("%d ok, %d failed (%v); want 0 and 10", res.ok, res.failed, res.firstErr)
	}
}
