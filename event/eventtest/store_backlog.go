package eventtest

import (
	"context"
	"slices"
	"testing"

	"github.com/banchan/banchan/event"
)

// appendTyped commits one envelope of topic and type typ.
func appendTyped(t testing.TB, s event.Store, topic, typ string, n int) {
	t.Helper()
	env := streamEnvelope(t, "order-"+typ, n)
	env.Topic, env.Type = topic, typ
	update(t, s, func(ctx context.Context, tx event.Tx) error { return tx.Append(ctx, env) })
}

func markAllHandled(t testing.TB, s event.Store, subscription string, envs ...event.Envelope) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx event.Tx) error {
		for _, e := range envs {
			if _, err := tx.MarkHandled(ctx, subscription, e.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

func register(t testing.TB, s event.SubscriptionRegistry, name string, topics, types []string) {
	t.Helper()
	if err := s.RegisterSubscription(context.Background(), name, topics, types); err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
}

// checkBacklog checks that Unacknowledged over (after, until] returns
// exactly want, in log order, and counts logged envelopes in the range.
func checkBacklog(t *testing.T, s StoreUnderTest, after, until int64, logged int, want ...event.Envelope) {
	t.Helper()
	envs, n, err := s.Unacknowledged(context.Background(), after, until)
	if err != nil {
		t.Fatalf("unacknowledged (%d, %d]: %v", after, until, err)
	}
	got := make([]string, len(envs))
	for i, e := range envs {
		got[i] = e.Type + "@" + e.Topic + "#" + e.ID
	}
	exp := make([]string, len(want))
	for i, e := range want {
		exp[i] = e.Type + "@" + e.Topic + "#" + e.ID
	}
	if !slices.Equal(got, exp) {
		t.Errorf("unacknowledged (%d, %d] = %v, want %v", after, until, got, exp)
	}
	if n != logged {
		t.Errorf("unacknowledged (%d, %d]: counted %d logged envelopes, want %d", after, until, n, logged)
	}
	for i := range min(len(envs), len(want)) {
		if d := envelopeDiff(envs[i], want[i]); d != "" {
			t.Errorf("unacknowledged[%d]: %s", i, d)
		}
	}
}

// testSubscriptionBacklog registers two subscriptions and checks which
// logged envelopes each still waits for: those of a topic and a type it
// handles, with neither an inbox record nor a dead letter of its own.
func testSubscriptionBacklog(t *testing.T, s StoreUnderTest) {
	appendTyped(t, s, "orders", "Pinged", 0)
	head := readLog(t, s)[0].Position
	// Nothing registered: nothing is known to be acknowledged.
	checkBacklog(t, s, 0, head, 1, readLog(t, s)[0])

	register(t, s, "billing", []string{"orders"}, []string{"OrderPlaced", "OrderCancelled"})
	register(t, s, "shipping", []string{"orders", "payments"}, []string{"OrderPlaced", "PaymentTaken"})
	register(t, s, "billing", []string{"orders"}, []string{"OrderPlaced", "OrderCancelled"}) // again: no change
	for i, tt := range [][2]string{
		{"orders", "OrderPlaced"},      // 1: handled by both
		{"orders", "OrderPlaced"},      // 2: handled by billing only
		{"orders", "OrderCancelled"},   // 3: dead-lettered by billing
		{"orders", "OrderCancelled"},   // 4: waiting for billing
		{"orders", "OrderShipped"},     // 5: nobody handles it
		{"payments", "PaymentTaken"},   // 6: handled by shipping
		{"payments", "PaymentTaken"},   // 7: handled by billing, which does not take payments
		{"payments", "OrderCancelled"}, // 8: billing handles the type but not the topic
		{"orders", "OrderPlaced"},      // 9: waiting for both
	} {
		appendTyped(t, s, tt[0], tt[1], i+1)
	}
	log := readLog(t, s)
	markAllHandled(t, s, "billing", log[1], log[2], log[7])
	markAllHandled(t, s, "shipping", log[1], log[6])
	putDeadLetter(t, s, event.DeadLetter{Subscription: "billing", Handler: "billing/OrderCancelled",
		EventID: log[3].ID, EventType: "OrderCancelled", Subject: "orders.OrderCancelled", Reason: "boom",
		Attempts: 5, Payload: []byte("{}")})
	last := log[len(log)-1].Position

	checkBacklog(t, s, 0, last, len(log), log[2], log[4], log[7], log[9])
	checkBacklog(t, s, log[2].Position, log[7].Position, 5, log[4], log[7])
	checkBacklog(t, s, last, last+100, 0)
}
