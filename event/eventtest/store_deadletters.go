package eventtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
)

func deadLetter(sub, eventID, reason string, attempts int) event.DeadLetter {
	return event.DeadLetter{Subscription: sub, Handler: sub + "/OrderPlaced", EventID: eventID,
		EventType: "OrderPlaced", Subject: "orders.OrderPlaced", Reason: reason, Attempts: attempts,
		Payload: []byte(`{"id":"` + eventID + `"}`)}
}

func putDeadLetter(t testing.TB, s event.DeadLetterStore, d event.DeadLetter) event.DeadLetter {
	t.Helper()
	got, err := s.PutDeadLetter(context.Background(), d)
	if err != nil {
		t.Fatalf("put dead letter: %v", err)
	}
	if got.ID == "" || got.FailedAt.IsZero() {
		t.Fatalf("put dead letter returned no id or time: %+v", got)
	}
	return got
}

func listDeadLetters(t testing.TB, s event.DeadLetterStore, sub string) []event.DeadLetter {
	t.Helper()
	list, err := s.DeadLetters(context.Background(), sub, 100)
	if err != nil {
		t.Fatalf("list dead letters: %v", err)
	}
	return list
}

func testDeadLetterStore(t *testing.T, s StoreUnderTest) {
	ctx := context.Background()
	a := putDeadLetter(t, s, deadLetter("billing", "e1", "boom", 5))
	putDeadLetter(t, s, deadLetter("shipping", "e2", "bang", 1))
	noID := deadLetter("billing", "", "does not decode", 1)
	noID.Payload = []byte("not json")
	putDeadLetter(t, s, noID)
	if n := len(listDeadLetters(t, s, "")); n != 3 {
		t.Errorf("all dead letters: %d, want 3", n)
	}
	if n := len(listDeadLetters(t, s, "billing")); n != 2 {
		t.Errorf("billing's dead letters: %d, want 2", n)
	}
	got, err := s.DeadLetter(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Reason != "boom" || got.Attempts != 5 || got.Handler != a.Handler || got.EventType != "OrderPlaced" ||
		got.Subject != a.Subject || string(got.Payload) != string(a.Payload) || !got.FailedAt.Equal(a.FailedAt) {
		t.Errorf("dead letter read back as %+v, want %+v", got, a)
	}
	again := putDeadLetter(t, s, deadLetter("billing", "e1", "boom again", 6))
	if again.ID != a.ID {
		t.Errorf("a repeat put made a new dead letter %s, want %s updated", again.ID, a.ID)
	}
	first := putDeadLetter(t, s, noID) // keyed by payload when there is no event id
	if n := len(listDeadLetters(t, s, "")); n != 3 {
		t.Errorf("after repeats: %d dead letters, want 3", n)
	}
	arrival := noID
	arrival.Accumulate = true
	if got := putDeadLetter(t, s, arrival); got.ID != first.ID || got.Attempts != 2 {
		t.Errorf("another arrival, accumulated: %s with %d attempts, want %s with 2", got.ID, got.Attempts, first.ID)
	}
	if got, _ := s.DeadLetter(ctx, first.ID); got.Attempts != 2 {
		t.Errorf("stored after an accumulated arrival: %d attempts, want 2", got.Attempts)
	}
	// Keyed by the caller: two payloads, one message.
	keyed := deadLetter("billing", "", "cut short", 1)
	keyed.Payload, keyed.Key = []byte("the start of"), "sha256:whole-1"
	k1 := putDeadLetter(t, s, keyed)
	keyed.Payload = []byte("the start of it")
	if k2 := putDeadLetter(t, s, keyed); k2.ID != k1.ID {
		t.Errorf("a put with the same key made dead letter %s besides %s", k2.ID, k1.ID)
	}
	if got, err := s.DeadLetter(ctx, k1.ID); err != nil || got.Key != keyed.Key {
		t.Errorf("read back: key %q, %v; want %q", got.Key, err, keyed.Key)
	} else if _, err := s.PutDeadLetter(ctx, got); err != nil {
		t.Errorf("putting a dead letter read back: %v", err)
	}
	if err := s.DeleteDeadLetter(ctx, k1.ID); err != nil {
		t.Fatal(err)
	}
	redriven := first
	redriven.Attempts, redriven.Reason = 4, "failed again on redrive"
	putDeadLetter(t, s, redriven) // not accumulated: its attempts replace the count
	if got, _ := s.DeadLetter(ctx, first.ID); got.Attempts != 4 || got.Reason != redriven.Reason {
		t.Errorf("a failed redrive of it left %d attempts (%q), want 4 (%q)", got.Attempts, got.Reason, redriven.Reason)
	}
	if got, _ := s.DeadLetter(ctx, a.ID); got.Reason != "boom again" || got.Attempts != 6 {
		t.Errorf("repeat put left %q after %d attempts, want the update", got.Reason, got.Attempts)
	}
	if err := s.DeleteDeadLetter(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"get deleted":    getErr(s, a.ID),
		"delete deleted": s.DeleteDeadLetter(ctx, a.ID),
		"get unknown":    getErr(s, "no-such-id"),
	} {
		if !errors.Is(err, event.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
}

func getErr(s event.DeadLetterStore, id string) error {
	_, err := s.DeadLetter(context.Background(), id)
	return err
}

// testDeadLetterOrder puts dead letters whose times differ in the number of
// fractional digits they print with: "oldest first" must follow time, not
// the text of a timestamp.
func testDeadLetterOrder(t *testing.T, s StoreUnderTest) {
	base := time.Date(2025, 3, 1, 12, 0, 0, 100_000_000, time.UTC)
	at := []time.Time{base.Add(time.Second), base, base.Add(50 * time.Millisecond), base.Add(time.Microsecond)}
	for i, ts := range at {
		d := deadLetter("billing", "e"+string(rune('a'+i)), "boom", 1)
		d.FailedAt = ts
		putDeadLetter(t, s, d)
	}
	list := listDeadLetters(t, s, "billing")
	for i := 1; i < len(list); i++ {
		if list[i].FailedAt.Before(list[i-1].FailedAt) {
			t.Errorf("dead letters not oldest first: %v listed before %v", list[i-1].FailedAt, list[i].FailedAt)
		}
	}
}
