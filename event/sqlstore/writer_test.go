package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/outbox"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
)

// openSynced opens a group-commit store on SQLite (synchronous=NORMAL)
// whose commits are made durable by sync, as event/sqlite does with its
// WAL.
func openSynced(t *testing.T, sync func() error) *sqlstore.Store {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "e.db") + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.New(context.Background(), sqlite.Dialect, w, r, sqlstore.Options{GroupCommit: true, Sync: sync,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// heldDisk is a WAL sync a test can hold (each sync then reports itself
// and waits for release) and make fail.
type heldDisk struct {
	hold, fail atomic.Bool
	synced     chan struct{}
	release    chan struct{}
}

func newHeldDisk() *heldDisk {
	return &heldDisk{synced: make(chan struct{}, 100), release: make(chan struct{})}
}

func (d *heldDisk) sync() error {
	if d.hold.Load() {
		d.synced <- struct{}{}
		<-d.release
	}
	if d.fail.Load() {
		return errors.New("EIO")
	}
	return nil
}

// waitSync waits until a held sync has begun.
func (d *heldDisk) waitSync(t *testing.T) {
	t.Helper()
	select {
	case <-d.synced:
	case <-time.After(10 * time.Second):
		t.Fatal("the commit was never synced")
	}
}

func appendOne(ctx context.Context, s *sqlstore.Store, stream string) error {
	env, err := event.New("t", "Happened", "test", "s", map[string]string{"k": "v"})
	if err != nil {
		return err
	}
	env.Stream = stream
	return s.Update(ctx, func(ctx context.Context, tx event.Tx) error { return tx.Append(ctx, env) })
}

// A commit is not answered, and not handed to the outbox relay, until it
// is durable; the writer goes on with the next batch meanwhile.
func TestSyncedCommitIsPublishedOnlyOnceDurable(t *testing.T) {
	ctx := context.Background()
	disk := newHeldDisk()
	s := openSynced(t, disk.sync)
	pub := &recordingPublisher{}
	relay, err := outbox.New(outbox.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, s, s, pub)
	if err != nil {
		t.Fatal(err)
	}
	disk.hold.Store(true)
	first := make(chan error, 1)
	go func() { first <- appendOne(ctx, s, "a") }()
	disk.waitSync(t)
	// Committed, being synced: not answered, not durable, not published.
	select {
	case err := <-first:
		t.Fatalf("answered before the sync: %v", err)
	default:
	}
	if envs, err := s.ReadLog(ctx, 0, 10); err != nil || len(envs) != 1 {
		t.Fatalf("log before the sync: %d envelopes, %v; want the commit, visible", len(envs), err)
	}
	if d := s.DurablePosition(); d != 0 {
		t.Fatalf("durable position before the sync: %d", d)
	}
	if err := relay.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := pub.count(); n != 0 {
		t.Fatalf("the relay published %d envelopes before they were durable", n)
	}
	// The next one runs meanwhile and waits its turn to be synced.
	second := make(chan error, 1)
	go func() { second <- appendOne(ctx, s, "b") }()
	disk.hold.Store(false)
	close(disk.release)
	for _, ch := range []chan error{first, second} {
		select {
		case err := <-ch:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("not answered after the sync")
		}
	}
	envs, err := s.ReadLog(ctx, 0, 10)
	if err != nil || len(envs) != 2 {
		t.Fatalf("log after the syncs: %d envelopes, %v", len(envs), err)
	}
	if d := s.DurablePosition(); d != envs[1].Position {
		t.Fatalf("durable position %d, want %d", d, envs[1].Position)
	}
	if err := relay.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := pub.count(); n != 2 {
		t.Fatalf("the relay published %d envelopes once durable, want 2", n)
	}
}

type recordingPublisher struct {
	mu   sync.Mutex
	envs []event.Envelope
}

func (p *recordingPublisher) Publish(_ context.Context, envs ...event.Envelope) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.envs = append(p.envs, envs...)
	return nil
}

func (p *recordingPublisher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.envs)
}

// A sync that fails stops the store: the batch and every later write get
// ErrNotDurable, and the durable position stays before the commit.
func TestFailedSyncStopsWrites(t *testing.T) {
	ctx := context.Background()
	disk := newHeldDisk()
	s := openSynced(t, disk.sync)
	if err := appendOne(ctx, s, "a"); err != nil {
		t.Fatal(err)
	}
	disk.fail.Store(true)
	if err := appendOne(ctx, s, "a"); !errors.Is(err, sqlstore.ErrNotDurable) {
		t.Fatalf("append with a failing sync: %v, want ErrNotDurable", err)
	}
	disk.fail.Store(false)
	if err := appendOne(ctx, s, "a"); !errors.Is(err, sqlstore.ErrNotDurable) {
		t.Fatalf("append after a failed sync: %v, want ErrNotDurable", err)
	}
	if envs, err := s.ReadLog(ctx, 0, 10); err != nil || len(envs) == 0 || s.DurablePosition() != envs[0].Position {
		t.Fatalf("log: %d envelopes, %v, durable position %d; want the first one durable", len(envs), err, s.DurablePosition())
	}
}

// A batch that runs while the last sync fails is rolled back, not
// committed: its callers are told it failed, and it did.
func TestBatchDuringAFailedSyncIsNotCommitted(t *testing.T) {
	ctx := context.Background()
	disk := newHeldDisk()
	s := openSynced(t, disk.sync)
	if err := appendOne(ctx, s, "a"); err != nil {
		t.Fatal(err)
	}
	disk.hold.Store(true)
	first := make(chan error, 1)
	go func() { first <- appendOne(ctx, s, "a") }()
	disk.waitSync(t)
	// The next batch runs while that sync is held.
	env, err := event.New("t", "Happened", "test", "s", map[string]string{"k": "late"})
	if err != nil {
		t.Fatal(err)
	}
	env.Stream = "a"
	running := make(chan struct{})
	second := make(chan error, 1)
	go func() {
		second <- s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
			close(running)
			return tx.Append(ctx, env)
		})
	}()
	select {
	case <-running:
	case <-time.After(10 * time.Second):
		t.Fatal("the second update never ran")
	}
	disk.fail.Store(true)
	close(disk.release)
	if err := <-first; !errors.Is(err, sqlstore.ErrNotDurable) {
		t.Fatalf("append whose sync failed: %v, want ErrNotDurable", err)
	}
	if err := <-second; !errors.Is(err, sqlstore.ErrNotDurable) {
		t.Fatalf("append in the batch after: %v, want ErrNotDurable", err)
	}
	envs, err := s.ReadLog(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range envs {
		if e.ID == env.ID {
			t.Fatal("the batch that ran during the failed sync was committed")
		}
	}
}

// Many concurrent writers: every answered append is in the log, in order.
func TestSyncedCommitsUnderLoad(t *testing.T) {
	ctx := context.Background()
	var syncs atomic.Int64
	// A slow disk (the sleep is the fsync's latency, which batching hides).
	s := openSynced(t, func() error { syncs.Add(1); time.Sleep(200 * time.Microsecond); return nil })
	before, syncedBefore := s.CommitStats(), syncs.Load() // the sync at open is not timed
	const writers, each = 16, 50
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for range each {
				if err := appendOne(ctx, s, "w"+string(rune('a'+w))); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	envs, err := s.ReadLog(ctx, 0, writers*each+10)
	if err != nil || len(envs) != writers*each {
		t.Fatalf("log: %d envelopes, %v; want %d", len(envs), err, writers*each)
	}
	if n := syncs.Load(); n >= writers*each {
		t.Errorf("%d syncs for %d commits: no batching", n, writers*each)
	}
	// The writer's figures say the same.
	st := s.CommitStats()
	commits, updates, waits := st.Commits-before.Commits, st.Updates-before.Updates, st.Waits-before.Waits
	if updates != writers*each || waits != writers*each || commits < 1 || commits >= updates {
		t.Errorf("stats: %d commits of %d updates, %d waits; want %d updates in fewer commits", commits, updates, waits, writers*each)
	}
	synced, took := st.Syncs-before.Syncs, st.SyncTime-before.SyncTime
	if synced != syncs.Load()-syncedBefore || took < time.Duration(synced)*200*time.Microsecond {
		t.Errorf("stats: %d syncs taking %v; the disk did %d of at least 200µs", synced, took, syncs.Load()-syncedBefore)
	}
	var inBuckets int64
	for _, n := range st.SyncCounts {
		inBuckets += n
	}
	if inBuckets != st.Syncs {
		t.Errorf("sync histogram %v: want its %d syncs", st.SyncCounts, st.Syncs)
	}
}

// Close while writers keep calling Update: every call returns (committed,
// or ErrClosed), none is left waiting for a writer that has gone.
func TestCloseAnswersEveryUpdate(t *testing.T) {
	for range 20 {
		s := openSynced(t, func() error { return nil })
		var wg sync.WaitGroup
		var appended atomic.Int64
		for w := range 16 {
			wg.Go(func() {
				for {
					if err := appendOne(context.Background(), s, "c"+string(rune('a'+w))); err != nil {
						if !errors.Is(err, event.ErrClosed) {
							t.Errorf("update during close: %v", err)
						}
						return
					}
					appended.Add(1)
				}
			})
		}
		// Close once the writers are under way.
		for deadline := time.Now().Add(10 * time.Second); appended.Load() < 32; {
			if time.Now().After(deadline) {
				t.Fatal("the writers appended fewer than 32 in 10s")
			}
			runtime.Gosched()
		}
		_ = s.Close()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("an Update still waits 10s after Close")
		}
	}
}

// Reads go through prepared statements on SQLite; they see every commit,
// from many goroutines at once, and survive the table being rebuilt.
func TestPreparedReads(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"), sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
			t.Fatal(err)
		}
	}
	count := func(k string) (n int) {
		if err := s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM kv WHERE k = ?`, k).Scan(&n); err != nil {
			t.Error(err)
		}
		return n
	}
	exec(`CREATE TABLE kv (k TEXT NOT NULL, v TEXT NOT NULL)`)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			key := string(rune('a' + w))
			for i := range 20 {
				exec(`INSERT INTO kv (k, v) VALUES (?, ?)`, key, "x")
				if n := count(key); n != i+1 {
					t.Errorf("%s: %d rows after %d inserts", key, n, i+1)
					return
				}
			}
		})
	}
	wg.Wait()
	exec(`DROP TABLE kv`)
	exec(`CREATE TABLE kv (k TEXT NOT NULL, extra INTEGER NOT NULL DEFAULT 0, v TEXT NOT NULL)`)
	exec(`INSERT INTO kv (k, v) VALUES (?, ?)`, "a", "y")
	if n := count("a"); n != 1 {
		t.Errorf("after the rebuild: %d rows, want 1", n)
	}
}
