package dispatch_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/banchan/banchan/event/dispatch"
)

type item struct {
	key string
	n   int
}

func TestPerKeyOrderAndExclusion(t *testing.T) {
	const keys, perKey = 7, 200
	var mu sync.Mutex
	seen := map[string][]int{}
	busy := map[string]bool{}
	overlap := 0
	p := dispatch.New(4, 8, func(it item) {
		mu.Lock()
		if busy[it.key] {
			overlap++
		}
		busy[it.key] = true
		mu.Unlock()
		runtime.Gosched() // give a second worker of the same key a chance to show
		mu.Lock()
		busy[it.key] = false
		seen[it.key] = append(seen[it.key], it.n)
		mu.Unlock()
	})
	for n := range perKey {
		for k := range keys {
			key := fmt.Sprintf("key-%d", k)
			p.Submit(key, item{key, n})
		}
	}
	p.Close() // waits for every queued item
	if overlap > 0 {
		t.Errorf("%d items ran while another item of their key was running", overlap)
	}
	for k := range keys {
		got := seen[fmt.Sprintf("key-%d", k)]
		if len(got) != perKey {
			t.Fatalf("key-%d: %d items handled, want %d", k, len(got), perKey)
		}
		for i, n := range got {
			if n != i {
				t.Fatalf("key-%d handled out of order at %d: %v", k, i, got[:i+1])
			}
		}
	}
}

func TestAtLeastOneWorker(t *testing.T) {
	done := 0
	p := dispatch.New(0, 1, func(int) { done++ })
	p.Submit("k", 1)
	p.Close()
	if done != 1 {
		t.Errorf("pool with 0 workers handled %d items, want 1", done)
	}
}
