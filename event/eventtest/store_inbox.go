package eventtest

import (
	"context"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
)

// inboxRecords counts a subscription's inbox records.
func inboxRecords(t testing.TB, s event.Store, subscription string) int {
	t.Helper()
	var n int
	if err := s.Read().QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM event_inbox WHERE subscription = ?`, subscription).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func prune(t *testing.T, p event.InboxPruner, before time.Time, wantDeleted int64, wantHorizon int64) {
	t.Helper()
	deleted, horizon, err := p.PruneInbox(context.Background(), before)
	if err != nil {
		t.Fatalf("prune inbox: %v", err)
	}
	if deleted != wantDeleted || horizon != wantHorizon {
		t.Errorf("prune inbox before %v: deleted %d, horizon %d; want %d, %d", before, deleted, horizon, wantDeleted, wantHorizon)
	}
}

// testInboxPrune: the inbox horizon moves past what every registered
// subscription acknowledged before the cut and stops at the first envelope
// one still waits for, or handled since; the records below it go, the
// backlog counts what is below it as acknowledged (a lost broker does not
// get it again), and the records above it, and of ids not in the log,
// stay. Nothing registered: nothing is pruned.
func testInboxPrune(t *testing.T, s StoreUnderTest) {
	p, ok := s.(event.InboxPruner)
	if !ok {
		t.Skip("the store keeps every inbox record")
	}
	later := time.Now().Add(time.Hour) // every record so far was handled before it
	appendTyped(t, s, topic, "OrderPlaced", 0)
	markAllHandled(t, s, "billing", readLog(t, s)...)
	prune(t, p, later, 0, 0) // no subscription registered

	register(t, s, "billing", []string{topic}, []string{"OrderPlaced", "OrderCancelled"})
	register(t, s, "shipping", []string{topic}, []string{"OrderPlaced"})
	for i, typ := range []string{"OrderShipped", "OrderCancelled", "OrderPlaced", "OrderPlaced", "OrderPlaced"} {
		appendTyped(t, s, topic, typ, i+1)
	}
	log := readLog(t, s)
	// 0 handled by both (by billing before it registered); 1 nobody
	// handles it; 2 dead-lettered by billing, the only one handling it;
	// 3 both; 4 billing only: shipping waits; 5 nobody yet. And a message
	// from outside the log.
	markAllHandled(t, s, "shipping", log[0], log[3])
	markAllHandled(t, s, "billing", log[3], log[4])
	putDeadLetter(t, s, event.DeadLetter{Subscription: "billing", Handler: "billing/OrderCancelled",
		EventID: log[2].ID, EventType: "OrderCancelled", Subject: topic + ".OrderCancelled", Reason: "boom",
		Attempts: 5, Payload: []byte("{}")})
	update(t, s, func(ctx context.Context, tx event.Tx) error {
		_, err := tx.MarkHandled(ctx, "billing", "redis-message-1")
		return err
	})
	billing, shipping := inboxRecords(t, s, "billing"), inboxRecords(t, s, "shipping")

	prune(t, p, time.Now().Add(-time.Hour), 0, 0) // all handled within the hour
	checkBacklog(t, s, 0, log[5].Position, len(log), log[4], log[5])

	// billing passes log[0] to log[4] (log[5] holds it), shipping log[0] to
	// log[3] (log[4] holds it).
	prune(t, p, later, 5, log[3].Position)
	if got := inboxRecords(t, s, "billing"); got != billing-3 {
		t.Errorf("billing keeps %d records, want %d (the message from outside the log)", got, billing-3)
	}
	if got := inboxRecords(t, s, "shipping"); got != shipping-2 {
		t.Errorf("shipping keeps %d records, want %d", got, shipping-2)
	}
	checkBacklog(t, s, 0, log[5].Position, len(log), log[4], log[5])
	checkBacklog(t, s, 0, log[3].Position, 4)
	prune(t, p, later, 0, log[3].Position) // again: nothing more

	// Redelivered, a pruned envelope of the log is known as handled; one
	// that is not the log's at its position is not.
	redelivered := func(sub string, env event.Envelope) (first bool) {
		t.Helper()
		err := event.WithInbox(s, sub, func(context.Context, event.Tx, event.Envelope) error {
			first = true
			return nil
		})(context.Background(), env)
		if err != nil {
			t.Fatalf("deliver %s to %s: %v", env.ID, sub, err)
		}
		return first
	}
	if redelivered("billing", log[3]) || redelivered("shipping", log[0]) {
		t.Error("a pruned envelope redelivered was handled again")
	}
	if got := inboxRecords(t, s, "billing"); got != billing-3 {
		t.Errorf("a pruned envelope redelivered left a record: billing has %d, want %d", got, billing-3)
	}
	foreign := streamEnvelope(t, "elsewhere", 1)
	foreign.Position = log[2].Position
	if !redelivered("billing", foreign) || redelivered("billing", foreign) {
		t.Error("a message not in the log at its position: want handled once")
	}

	markAllHandled(t, s, "shipping", log[4], log[5])
	markAllHandled(t, s, "billing", log[5])
	prune(t, p, later, 3, log[5].Position)
	checkBacklog(t, s, 0, log[5].Position, len(log))
	if got := inboxRecords(t, s, "billing"); got != 2 {
		t.Errorf("billing keeps %d records, want 2 (the messages from outside the log)", got)
	}

	// What comes after the horizons is waited for as before.
	appendTyped(t, s, topic, "OrderPlaced", 9)
	next := readLog(t, s)[len(log)]
	checkBacklog(t, s, 0, next.Position, len(log)+1, next)

	// A broker that lost its data gets again only what is above the horizons.
	if ids, _ := flushOnEpoch(t, s, 1000); len(ids) != len(log)+1 {
		t.Fatalf("first start: published %d, want %d", len(ids), len(log)+1)
	}
	ids, n := flushOnEpoch(t, s, 2000)
	checkPublished(t, "start on a broker that lost its data, after pruning", ids, idsOf([]event.Envelope{next}))
	if n != 1 {
		t.Errorf("republished %d, want 1", n)
	}

	// A dead letter redriven after the horizon passed it is handled, once.
	if !redelivered("billing", log[2]) || redelivered("billing", log[2]) {
		t.Error("a dead letter redriven below the horizon: want handled once")
	}

	// A subscription registered after the pruning waits for the whole log
	// of its types, and handles a redelivered envelope.
	register(t, s, "audit", []string{topic}, []string{"OrderPlaced"})
	checkBacklog(t, s, 0, next.Position, len(log)+1, log[0], log[3], log[4], log[5], next)
	if !redelivered("audit", log[3]) {
		t.Error("a subscription registered after the pruning did not handle an old envelope")
	}
}
