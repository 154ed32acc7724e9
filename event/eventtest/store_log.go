package eventtest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
)

func testAppendPositions(t *testing.T, s StoreUnderTest) {
	streams := []string{"order-1", "order-2", "order-1", "order-3", "order-1", "order-2"}
	for i := 0; i < len(streams); i += 2 {
		update(t, s, func(ctx context.Context, tx event.Tx) error {
			return tx.Append(ctx, streamEnvelope(t, streams[i], i), streamEnvelope(t, streams[i+1], i+1))
		})
	}
	envs := readLog(t, s)
	if len(envs) != len(streams) {
		t.Fatalf("log holds %d envelopes, want %d", len(envs), len(streams))
	}
	versions := map[string]int64{}
	var last int64
	for i, e := range envs {
		if e.Position <= last {
			t.Errorf("position %d after %d: positions must increase", e.Position, last)
		}
		last = e.Position
		versions[e.Stream]++
		if e.Stream != streams[i] || e.Version != versions[e.Stream] {
			t.Errorf("log[%d] = %s v%d, want %s v%d", i, e.Stream, e.Version, streams[i], versions[e.Stream])
		}
		if err := e.Validate(); err != nil {
			t.Errorf("log[%d] does not validate: %v", i, err)
		}
	}
}

// testExpectedVersion races appends at one expected version: exactly one
// may win.
func testExpectedVersion(t *testing.T, s StoreUnderTest) {
	update(t, s, func(ctx context.Context, tx event.Tx) error {
		return tx.Append(ctx, streamEnvelope(t, "order-1", 0))
	})
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		env := streamEnvelope(t, "order-1", i)
		env.Version = 2
		wg.Go(func() {
			errs[i] = s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
				return tx.Append(ctx, env)
			})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, event.ErrConcurrency):
			t.Errorf("append %d failed with %v, want ErrConcurrency", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d of 50 concurrent appends at version 2 won, want exactly 1", won)
	}
	if envs := readLog(t, s); len(envs) != 2 || envs[1].Version != 2 {
		t.Errorf("log holds %d envelopes, want 2 with the last at version 2", len(envs))
	}
}

func markHandled(t testing.TB, s event.Store, sub, id string, fail bool) bool {
	t.Helper()
	var first bool
	err := s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
		var err error
		if first, err = tx.MarkHandled(ctx, sub, id); err != nil || !fail {
			return err
		}
		return errRollback
	})
	if err != nil && !(fail && errors.Is(err, errRollback)) {
		t.Fatalf("mark handled: %v", err)
	}
	return first
}

func testMarkHandled(t *testing.T, s StoreUnderTest) {
	steps := []struct {
		sub, id    string
		rollback   bool
		wantFirst  bool
		whatItDoes string
	}{
		{"billing", "e1", false, true, "first time"},
		{"billing", "e1", false, false, "repeat"},
		{"shipping", "e1", false, true, "same event, another subscription"},
		{"billing", "e2", true, true, "first time, rolled back"},
		{"billing", "e2", false, true, "after the rollback"},
		{"billing", "e2", false, false, "repeat after the rollback"},
	}
	for _, st := range steps {
		if got := markHandled(t, s, st.sub, st.id, st.rollback); got != st.wantFirst {
			t.Errorf("%s: MarkHandled(%s, %s) = %v, want %v", st.whatItDoes, st.sub, st.id, got, st.wantFirst)
		}
	}
	update(t, s, func(ctx context.Context, tx event.Tx) error {
		a, err := tx.MarkHandled(ctx, "billing", "e3")
		if err != nil {
			return err
		}
		b, err := tx.MarkHandled(ctx, "billing", "e3")
		if a != true || b != false {
			t.Errorf("MarkHandled twice in one transaction = %v, %v; want true, false", a, b)
		}
		return err
	})
}

func testReadLogPaging(t *testing.T, s StoreUnderTest) {
	update(t, s, func(ctx context.Context, tx event.Tx) error {
		for i := range 10 {
			if err := tx.Append(ctx, streamEnvelope(t, "order-1", i)); err != nil {
				return err
			}
		}
		return nil
	})
	all := readLog(t, s)
	var after int64
	for _, want := range []int{4, 4, 2, 0} {
		page, err := s.ReadLog(context.Background(), after, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != want {
			t.Fatalf("page after %d has %d envelopes, want %d", after, len(page), want)
		}
		for _, e := range page {
			if e.Position <= after || e.ID != all[0].ID {
				t.Fatalf("paging out of order: got %s at %d after %d, want %s", e.ID, e.Position, after, all[0].ID)
			}
			after, all = e.Position, all[1:]
		}
	}
}

func testAppendedSignal(t *testing.T, s StoreUnderTest) {
	wake := s.Appended()
	update(t, s, func(ctx context.Context, tx event.Tx) error {
		return tx.Append(ctx, streamEnvelope(t, "order-1", 1))
	})
	select {
	case <-wake:
	case <-time.After(Timeout):
		t.Fatal("Appended did not close after a commit that appended")
	}
	if next := s.Appended(); next == wake {
		t.Error("Appended returned the closed channel again; callers could not wait for the next commit")
	}
}

func testCheckpoints(t *testing.T, s StoreUnderTest) {
	ctx := context.Background()
	check := func(name string, want int64) {
		t.Helper()
		got, err := s.Checkpoint(ctx, name)
		if err != nil || got != want {
			t.Errorf("checkpoint %s = %d, %v; want %d", name, got, err, want)
		}
	}
	check("relay", 0)
	for _, p := range []int64{5, 3, 7, 7, 0} {
		if err := s.SetCheckpoint(ctx, "relay", p); err != nil {
			t.Fatalf("set checkpoint %d: %v", p, err)
		}
	}
	check("relay", 7)
	if err := s.SetCheckpoint(ctx, "other", 2); err != nil {
		t.Fatal(err)
	}
	check("other", 2)
	check("relay", 7)
}
