package eventtest

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/projection"
)

// ProjectionStoreUnderTest is a store the projection runner can use.
type ProjectionStoreUnderTest interface {
	StoreUnderTest
	projection.Store
}

// TestProjections runs the projection conformance suite: subscribe from a
// position, catch-up of a late projection, rebuild beside the live model
// (under write load), and crash and resume. newStore must return a fresh,
// empty store closed in t.Cleanup.
func TestProjections(t *testing.T, newStore func(t *testing.T) ProjectionStoreUnderTest) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s ProjectionStoreUnderTest)
	}{
		{"FollowCatchUpToLiveNoGapNoDuplicate", testFollowSwitch},
		{"LateProjectionCatchesUp", testLateProjection},
		{"RebuildUnderWriteLoadEqualsLive", testRebuildUnderLoad},
		{"CrashMidRebuildResumes", testRebuildResume},
		{"FailingApplyRetriesExactlyOnce", testApplyRetry},
		{"CheckpointOverUnrelatedEventsWrittenLazily", testLazyCheckpoint},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

// appendN appends n envelopes, one transaction each, spread over streams.
func appendN(t testing.TB, s event.Store, prefix string, n int) {
	t.Helper()
	for i := range n {
		env := streamEnvelope(t, fmt.Sprintf("%s-%d", prefix, i%7), i)
		update(t, s, func(ctx context.Context, tx event.Tx) error { return tx.Append(ctx, env) })
	}
}

// writers appends from several goroutines until stop is closed; wait
// returns how many they appended.
func writers(t testing.TB, s event.Store, n int) (stop func() int) {
	done := make(chan struct{})
	var total atomic.Int64
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				env := streamEnvelope(t, fmt.Sprintf("w%d", w), i)
				err := s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error { return tx.Append(ctx, env) })
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				total.Add(1)
			}
		})
	}
	return func() int { close(done); wg.Wait(); return int(total.Load()) }
}

func testFollowSwitch(t *testing.T, s ProjectionStoreUnderTest) {
	appendN(t, s, "before", 150)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var got []event.Envelope
	followed := make(chan error, 1)
	go func() {
		followed <- projection.Follow(ctx, s, projection.FollowConfig{Batch: 40, Poll: 50 * time.Millisecond},
			func(ctx context.Context, envs []event.Envelope) error {
				mu.Lock()
				got = append(got, envs...)
				mu.Unlock()
				return nil
			})
	}()
	stop := writers(t, s, 4)
	eventually(t, 10*time.Second, "follow to see the writers' appends", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 300
	})
	stop()
	want := readLog(t, s)
	eventually(t, 10*time.Second, "follow to reach the log's end", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= len(want)
	})
	cancel()
	if err := <-followed; err != nil {
		t.Fatalf("follow: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("follow delivered %d envelopes, the log holds %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Position != want[i].Position {
			t.Fatalf("delivery %d is position %d (%s), the log has %d (%s) there: a gap or a duplicate",
				i, got[i].Position, got[i].ID, want[i].Position, want[i].ID)
		}
	}
	// From a position in the middle: exactly what follows it.
	mid := want[len(want)/2].Position
	n := 0
	fctx, fcancel := context.WithCancel(context.Background())
	defer fcancel()
	_ = projection.Follow(fctx, s, projection.FollowConfig{After: mid}, func(ctx context.Context, envs []event.Envelope) error {
		if envs[0].Position <= mid {
			t.Errorf("follow after %d delivered position %d", mid, envs[0].Position)
		}
		if n += len(envs); n >= len(want)-len(want)/2-1 {
			fcancel()
		}
		return nil
	})
	if n != len(want)-len(want)/2-1 {
		t.Errorf("follow after %d delivered %d envelopes, want %d", mid, n, len(want)-len(want)/2-1)
	}
}

// counter is a projection that counts envelopes per stream.
type counter struct {
	name    string
	fail    atomic.Int32 // batches to fail before succeeding
	slow    atomic.Int64 // nanoseconds each Apply sleeps
	applied atomic.Int64
}

func (c *counter) Name() string    { return c.name }
func (c *counter) Types() []string { return []string{"OrderPlaced"} }

func (c *counter) Apply(ctx context.Context, tx event.Tx, gen int64, envs []event.Envelope) error {
	if c.fail.Load() > 0 {
		c.fail.Add(-1)
		return fmt.Errorf("%s: induced failure", c.name)
	}
	time.Sleep(time.Duration(c.slow.Load())) // simulates a costly fold, so that a rebuild can be caught mid-way
	n := map[string]int{}
	for _, e := range envs {
		n[e.Stream]++
	}
	for stream, k := range n {
		_, err := tx.ExecContext(ctx, `INSERT INTO `+c.name+` (generation, stream, n) VALUES (?, ?, ?)
			ON CONFLICT (generation, stream) DO UPDATE SET n = `+c.name+`.n + excluded.n`, gen, stream, k)
		if err != nil {
			return err
		}
	}
	c.applied.Add(int64(len(envs)))
	return nil
}

func (c *counter) Drop(ctx context.Context, tx event.Tx, gen int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM `+c.name+` WHERE generation = ?`, gen)
	return err
}

func newCounter(t testing.TB, s ProjectionStoreUnderTest, name string) *counter {
	t.Helper()
	err := s.Migrate(context.Background(), name, []string{`CREATE TABLE ` + name +
		` (generation BIGINT NOT NULL, stream TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (generation, stream))`})
	if err != nil {
		t.Fatalf("migrate %s: %v", name, err)
	}
	return &counter{name: name}
}

// liveCounts reads the live generation of c the way a read model does.
func liveCounts(t testing.TB, s event.Store, c *counter) map[string]int {
	t.Helper()
	rs, err := s.Read().QueryContext(context.Background(), `SELECT stream, n FROM `+c.name+
		` WHERE generation = `+projection.LiveGeneration, c.name)
	if err != nil {
		t.Fatalf("read %s: %v", c.name, err)
	}
	defer rs.Close()
	out := map[string]int{}
	for rs.Next() {
		var k string
		var n int
		if err := rs.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		out[k] = n
	}
	return out
}

// logCounts is what a counter must hold: the log counted from scratch.
func logCounts(t testing.TB, s StoreUnderTest) map[string]int {
	out := map[string]int{}
	for _, e := range readLog(t, s) {
		out[e.Stream]++
	}
	return out
}

func startRunner(t testing.TB, s ProjectionStoreUnderTest, projs ...projection.Projection) (*projection.Runner, func()) {
	t.Helper()
	r, err := projection.New(context.Background(), projection.Config{Batch: 25, Poll: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}, s, projs...)
	if err != nil {
		t.Fatalf("runner: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	return r, func() { cancel(); <-done }
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func waitCaughtUp(t testing.TB, s ProjectionStoreUnderTest, r *projection.Runner, c *counter) {
	t.Helper()
	eventually(t, 20*time.Second, c.name+" to catch up with the log", func() bool {
		st, err := r.Status(context.Background(), c.name)
		return err == nil && st.Lag == 0 && st.Rebuild == nil && sameCounts(liveCounts(t, s, c), logCounts(t, s))
	})
}

// testLazyCheckpoint: commits of types a projection does not read move its
// checkpoint without a write each; the stored checkpoint still reaches the
// head soon after the writes stop, and the status shows no lag meanwhile.
func testLazyCheckpoint(t *testing.T, s ProjectionStoreUnderTest) {
	c := newCounter(t, s, "lazy_counter")
	r, stop := startRunner(t, s, c)
	defer stop()
	appendN(t, s, "order", 1)
	waitCaughtUp(t, s, r, c)
	before, err := r.Status(context.Background(), c.name)
	if err != nil {
		t.Fatal(err)
	}
	const unrelated = 200
	for i := range unrelated {
		env := envelope(t, "SomethingElse", fmt.Sprintf("other-%d", i), i)
		env.Stream = "other"
		update(t, s, func(ctx context.Context, tx event.Tx) error { return tx.Append(ctx, env) })
	}
	eventually(t, 20*time.Second, "the runner to read past the unrelated events", func() bool {
		st, err := r.Status(context.Background(), c.name)
		return err == nil && st.Lag == 0
	})
	// Another process sees only the stored checkpoint.
	other, err := projection.New(context.Background(), projection.Config{Logger: slog.New(slog.DiscardHandler)}, s, c)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the stored checkpoint to reach the head", func() bool {
		st, err := other.Status(context.Background(), c.name)
		return err == nil && st.Lag == 0
	})
	after, err := r.Status(context.Background(), c.name)
	if err != nil {
		t.Fatal(err)
	}
	if writes := after.Stats.Batches - before.Stats.Batches; writes > unrelated/4 {
		t.Errorf("%d checkpoint writes for %d commits of unrelated events: want few", writes, unrelated)
	}
}
