package eventtest

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/banchan/banchan/event"
)

// interleaved builds n envelopes for each subject, ordered n-major so that
// the subjects alternate in the log.
func interleaved(t testing.TB, subjects []string, n int) []event.Envelope {
	var out []event.Envelope
	for i := range n {
		for _, s := range subjects {
			out = append(out, envelope(t, "OrderPlaced", s, i))
		}
	}
	return out
}

func testOrderPerSubject(t *testing.T, b event.Broker) {
	subjects := []string{"order-a", "order-b", "order-c", "order-d"}
	const n = 30
	var mu sync.Mutex
	seen := map[string][]int{}
	busy := map[string]bool{}
	var overlaps []string
	rec := newRecorder(t)
	subscribe(t, b, event.SubscribeOptions{Name: "ordered", Workers: 4}, func(ctx context.Context, d event.Delivery) {
		x := rec.record(d, 0)
		s := x.env.Subject
		mu.Lock()
		if busy[s] {
			overlaps = append(overlaps, fmt.Sprintf("%s #%d", s, x.data.N))
		}
		busy[s] = true
		mu.Unlock()
		// Yield while marked busy so that a broker handing one subject to
		// two workers has a chance to be caught.
		runtime.Gosched()
		mu.Lock()
		busy[s] = false
		seen[s] = append(seen[s], x.data.N)
		mu.Unlock()
		_ = d.Ack(ctx)
	})
	publish(t, b, interleaved(t, subjects, n)...)
	eventually(t, Timeout, "every message is handled", func() bool { return rec.len() >= n*len(subjects) })
	mu.Lock()
	defer mu.Unlock()
	if len(overlaps) > 0 {
		t.Errorf("messages of one subject handled concurrently: %v", overlaps)
	}
	for _, s := range subjects {
		for i, got := range seen[s] {
			if got != i {
				t.Errorf("subject %s handled in order %v, want 0..%d", s, seen[s], n-1)
				break
			}
		}
	}
}

func testFanOut(t *testing.T, b event.Broker) {
	a, c := newRecorder(t), newRecorder(t)
	subscribe(t, b, event.SubscribeOptions{Name: "fan-a"}, a.acker(0))
	subscribe(t, b, event.SubscribeOptions{Name: "fan-b"}, c.acker(0))
	envs := interleaved(t, []string{"order-1", "order-2"}, 10)
	publish(t, b, envs...)
	eventually(t, Timeout, "both subscriptions get every message", func() bool {
		return a.hasAll(envs) && c.hasAll(envs)
	})
}

func testCompeting(t *testing.T, b event.Broker) {
	rec := newRecorder(t)
	opts := event.SubscribeOptions{Name: "workers", Workers: 2}
	subscribe(t, b, opts, rec.acker(1))
	subscribe(t, b, opts, rec.acker(2))
	var subjects []string
	for i := range 20 {
		subjects = append(subjects, fmt.Sprintf("order-%d", i))
	}
	envs := interleaved(t, subjects, 10)
	publish(t, b, envs...)
	eventually(t, Timeout, "the instances together handle every message", func() bool { return rec.hasAll(envs) })
	perMember := map[int]int{}
	members := map[string]map[int]bool{}
	redelivered := map[string]bool{}
	for _, x := range rec.all() {
		perMember[x.member]++
		if members[x.env.ID] == nil {
			members[x.env.ID] = map[int]bool{}
		}
		members[x.env.ID][x.member] = true
		redelivered[x.env.ID] = redelivered[x.env.ID] || x.attempt > 1
	}
	if perMember[1] == 0 || perMember[2] == 0 {
		t.Errorf("messages per instance = %v, want both to get some of %d", perMember, len(envs))
	}
	for id, m := range members {
		if len(m) > 1 && !redelivered[id] {
			t.Errorf("message %s handled by both instances without a redelivery", id)
		}
	}
}

func testLateSubscriber(t *testing.T, b event.Broker) {
	envs := interleaved(t, []string{"order-1", "order-2"}, 5)
	publish(t, b, envs...)
	rec := newRecorder(t)
	subscribe(t, b, event.SubscribeOptions{Name: "late"}, rec.acker(0))
	eventually(t, Timeout, "a late subscriber gets what was published before it", func() bool {
		return rec.hasAll(envs)
	})
}

// testResumeAfterClose closes a subscription after it acknowledged some
// messages and opens it again: it must carry on with the messages published
// since, not start over.
func testResumeAfterClose(t *testing.T, b event.Broker) {
	before := interleaved(t, []string{"order-1", "order-2"}, 5)
	rec := newRecorder(t)
	s := subscribe(t, b, event.SubscribeOptions{Name: "resumer"}, rec.acker(1))
	publish(t, b, before...)
	eventually(t, Timeout, "the first subscription handles its messages", func() bool { return rec.hasAll(before) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	after := interleaved(t, []string{"order-1", "order-2"}, 5)
	publish(t, b, after...)
	subscribe(t, b, event.SubscribeOptions{Name: "resumer"}, rec.acker(2))
	eventually(t, Timeout, "the reopened subscription handles the new messages", func() bool { return rec.hasAll(after) })
	for _, x := range rec.all() {
		if x.member == 2 && x.attempt == 1 && slices.ContainsFunc(before, func(e event.Envelope) bool { return e.ID == x.env.ID }) {
			t.Errorf("reopened subscription got %s again, acknowledged before it closed", x.env.ID)
		}
	}
}
