package eventtest

import (
	"context"
	"testing"
	"time"
)

func testLateProjection(t *testing.T, s ProjectionStoreUnderTest) {
	appendN(t, s, "early", 120)
	c := newCounter(t, s, "p_late")
	r, stop := startRunner(t, s, c)
	defer stop()
	waitCaughtUp(t, s, r, c)
	appendN(t, s, "later", 30)
	waitCaughtUp(t, s, r, c)
	if got := c.applied.Load(); got != 150 {
		t.Errorf("applied %d envelopes, the log holds 150", got)
	}
}

func testRebuildUnderLoad(t *testing.T, s ProjectionStoreUnderTest) {
	appendN(t, s, "seed", 200)
	c := newCounter(t, s, "p_rebuild")
	r, stopRunner := startRunner(t, s, c)
	defer stopRunner()
	waitCaughtUp(t, s, r, c)
	stopWriters := writers(t, s, 3)
	g, started, err := r.Rebuild(context.Background(), c.name)
	if err != nil || !started || g.Generation != 2 {
		t.Fatalf("rebuild: generation %d, started %v, %v; want generation 2 started", g.Generation, started, err)
	}
	if again, started, err := r.Rebuild(context.Background(), c.name); err != nil || started || again.Generation != 2 {
		t.Errorf("a second rebuild request gave generation %d, started %v, %v; want the running one", again.Generation, started, err)
	}
	// While it builds, the live generation keeps serving full figures.
	for range 5 {
		if got := liveCounts(t, s, c); len(got) < 7 {
			t.Fatalf("live model shows %d streams during the rebuild, want ≥ 7", len(got))
		}
	}
	eventually(t, 20*time.Second, "the rebuild to go live", func() bool {
		st, err := r.Status(context.Background(), c.name)
		return err == nil && st.Live.Generation == 2 && st.Rebuild == nil
	})
	if n := stopWriters(); n == 0 {
		t.Error("writers appended nothing during the rebuild")
	}
	waitCaughtUp(t, s, r, c)
	var old int
	if err := s.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM p_rebuild WHERE generation = 1`).Scan(&old); err != nil || old != 0 {
		t.Errorf("generation 1 keeps %d rows after the switch (%v), want it dropped", old, err)
	}
}

func testRebuildResume(t *testing.T, s ProjectionStoreUnderTest) {
	appendN(t, s, "log", 400)
	c := newCounter(t, s, "p_resume")
	r, stop := startRunner(t, s, c)
	waitCaughtUp(t, s, r, c)
	c.slow.Store(int64(20 * time.Millisecond))
	if _, _, err := r.Rebuild(context.Background(), c.name); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the rebuild to make progress", func() bool {
		st, err := r.Status(context.Background(), c.name)
		return err == nil && st.Rebuild != nil && st.Rebuild.Position > 0
	})
	stop() // the process dies mid-rebuild
	st, err := r.Status(context.Background(), c.name)
	if err != nil || st.Rebuild == nil || st.Live.Generation != 1 {
		t.Fatalf("after the crash: %+v, %v; want generation 1 live and the rebuild kept", st, err)
	}
	if got := liveCounts(t, s, c); !sameCounts(got, logCounts(t, s)) {
		t.Fatalf("live model changed by the interrupted rebuild: %v", got)
	}
	resumedAt := st.Rebuild.Position
	c2 := &counter{name: c.name}
	r2, stop2 := startRunner(t, s, c2)
	defer stop2()
	waitCaughtUp(t, s, r2, c2)
	st, _ = r2.Status(context.Background(), c.name)
	if st.Live.Generation != 2 {
		t.Errorf("live generation %d after the resumed rebuild, want 2", st.Live.Generation)
	}
	if got := c2.applied.Load(); got > 400-resumedAt {
		t.Errorf("the resumed rebuild applied %d envelopes; it stopped at %d of 400 so it should apply at most %d",
			got, resumedAt, 400-resumedAt)
	}
}

func testApplyRetry(t *testing.T, s ProjectionStoreUnderTest) {
	appendN(t, s, "retry", 100)
	c := newCounter(t, s, "p_retry")
	c.fail.Store(3)
	r, stop := startRunner(t, s, c)
	defer stop()
	waitCaughtUp(t, s, r, c)
	st, _ := r.Status(context.Background(), c.name)
	if st.Stats.Failures < 3 {
		t.Errorf("status counts %d failures, want ≥ 3", st.Stats.Failures)
	}
}
