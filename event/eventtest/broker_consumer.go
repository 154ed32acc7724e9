package eventtest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
)

// testDeadLetters runs event.Consumer on the broker: a handler that always
// fails is tried MaxDeliveries times and dead-lettered; one that reports a
// permanent error (a malformed payload) is dead-lettered at once.
func testDeadLetters(t *testing.T, b event.Broker) {
	dlq := &deadLetters{}
	c, err := event.NewConsumer(event.ConsumerConfig{Name: "dlq", Topics: []string{topic}, Workers: 2,
		MaxDeliveries: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}, b, dlq)
	if err != nil {
		t.Fatal(err)
	}
	var failing, malformed, fine atomic.Int32
	var fixed atomic.Bool
	c.Handle("Failing", func(context.Context, event.Envelope) error {
		failing.Add(1)
		if fixed.Load() {
			return nil
		}
		return errors.New("warehouse unreachable")
	})
	c.Handle("Malformed", func(context.Context, event.Envelope) error {
		malformed.Add(1)
		return event.Permanent(errors.New("bad payload"))
	})
	c.Handle("Fine", func(context.Context, event.Envelope) error { fine.Add(1); return nil })
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	fail, bad := envelope(t, "Failing", "order-1", 1), envelope(t, "Malformed", "order-2", 2)
	publish(t, b, fail, bad, envelope(t, "Fine", "order-3", 3))
	eventually(t, Timeout, "both failing messages are dead-lettered", func() bool { return dlq.len() >= 2 })
	eventually(t, Timeout, "the good message is handled", func() bool { return fine.Load() == 1 })
	checkDeadLetter(t, dlq.byEvent(fail.ID), "dlq/Failing", "warehouse unreachable", 3)
	checkDeadLetter(t, dlq.byEvent(bad.ID), "dlq/Malformed", "bad payload", 1)
	if n := failing.Load(); n != 3 {
		t.Errorf("failing handler called %d times, want 3", n)
	}
	if n := malformed.Load(); n != 1 {
		t.Errorf("permanently failing handler called %d times, want 1", n)
	}
	if s := c.Stats(); s.DeadLettered != 2 || s.Retried != 2 || s.Handled != 1 {
		t.Errorf("stats = %+v, want 2 dead-lettered, 2 retried, 1 handled", s)
	}
	testRedrive(t, c, dlq, dlq.byEvent(fail.ID), dlq.byEvent(bad.ID), &fixed)
}

// testRedrive: a dead letter redriven while its cause persists stays, with
// one more attempt; once the cause is fixed, redrive handles and removes it.
func testRedrive(t *testing.T, c *event.Consumer, dlq *deadLetters, fail, bad *event.DeadLetter, fixed *atomic.Bool) {
	t.Helper()
	if fail == nil || bad == nil {
		return
	}
	ctx := context.Background()
	if err := c.Redrive(ctx, *bad); err == nil {
		t.Error("redrive of a permanently failing message succeeded")
	}
	if d := dlq.byEvent(bad.EventID); d == nil || d.Attempts != bad.Attempts+1 {
		t.Errorf("after a failed redrive the dead letter is %+v, want it kept with attempts %d", d, bad.Attempts+1)
	}
	fixed.Store(true)
	if err := c.Redrive(ctx, *fail); err != nil {
		t.Fatalf("redrive after the fix: %v", err)
	}
	if d := dlq.byEvent(fail.EventID); d != nil {
		t.Errorf("redriven dead letter still stored: %+v", d)
	}
	other := *fail
	other.Subscription = "someone-else"
	if err := c.Redrive(ctx, other); err == nil {
		t.Error("redrive of another subscription's dead letter succeeded")
	}
}

func checkDeadLetter(t *testing.T, d *event.DeadLetter, handler, reason string, attempts int) {
	t.Helper()
	switch {
	case d == nil:
		t.Errorf("no dead letter for %s", handler)
	case d.Handler != handler || d.Subscription != "dlq":
		t.Errorf("dead letter by %s of %s, want %s of dlq", d.Handler, d.Subscription, handler)
	case !strings.Contains(d.Reason, reason):
		t.Errorf("dead letter reason %q, want it to mention %q", d.Reason, reason)
	case d.Attempts != attempts:
		t.Errorf("dead letter of %s after %d attempts, want %d", handler, d.Attempts, attempts)
	case len(d.Payload) == 0 || d.Subject == "":
		t.Errorf("dead letter of %s lacks its payload or subject: %+v", handler, d)
	}
}

// deadLetters is an in-memory event.DeadLetterStore, so that the broker
// suite needs no database.
type deadLetters struct {
	mu   sync.Mutex
	list []event.DeadLetter
}

func (s *deadLetters) PutDeadLetter(_ context.Context, d event.DeadLetter) (event.DeadLetter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, old := range s.list {
		// Known by key, else event id, else payload, as the stores do.
		if old.Subscription == d.Subscription && old.Key == d.Key && old.EventID == d.EventID &&
			(d.Key != "" || d.EventID != "" || bytes.Equal(old.Payload, d.Payload)) {
			if d.Accumulate {
				d.Attempts += old.Attempts
			}
			d.ID = old.ID
			s.list[i] = d
			return d, nil
		}
	}
	if d.ID == "" {
		d.ID = event.NewID()
	}
	s.list = append(s.list, d)
	return d, nil
}

func (s *deadLetters) DeadLetters(_ context.Context, sub string, limit int) ([]event.DeadLetter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []event.DeadLetter
	for _, d := range s.list {
		if (sub == "" || d.Subscription == sub) && (limit <= 0 || len(out) < limit) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *deadLetters) DeadLetter(_ context.Context, id string) (event.DeadLetter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.list {
		if d.ID == id {
			return d, nil
		}
	}
	return event.DeadLetter{}, event.ErrNotFound
}

func (s *deadLetters) DeleteDeadLetter(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.list, func(d event.DeadLetter) bool { return d.ID == id })
	if i < 0 {
		return event.ErrNotFound
	}
	s.list = slices.Delete(s.list, i, i+1)
	return nil
}

func (s *deadLetters) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.list)
}

func (s *deadLetters) byEvent(id string) *event.DeadLetter {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.list {
		if d.EventID == id {
			return &d
		}
	}
	return nil
}
