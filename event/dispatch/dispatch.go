// Package dispatch runs work items on a fixed set of workers, sending every
// item with the same key to the same worker so that items of one key are
// handled one at a time and in submission order. Broker backends use it to
// keep per-subject order while handling different subjects concurrently.
package dispatch

import (
	"hash/fnv"
	"sync"
)

// Pool is a keyed worker pool. Submit and Close may not be called concurrently
// with each other's completion: Close after the last Submit.
type Pool[T any] struct {
	queues []chan T
	wg     sync.WaitGroup
}

// New starts workers workers, each with a queue of depth items, calling
// handle for each item.
func New[T any](workers, depth int, handle func(T)) *Pool[T] {
	if workers < 1 {
		workers = 1
	}
	p := &Pool[T]{queues: make([]chan T, workers)}
	for i := range p.queues {
		q := make(chan T, depth)
		p.queues[i] = q
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for item := range q {
				handle(item)
			}
		}()
	}
	return p
}

// Submit queues item on key's worker, blocking while that queue is full.
func (p *Pool[T]) Submit(key string, item T) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	p.queues[h.Sum32()%uint32(len(p.queues))] <- item
}

// Close lets the workers finish what is queued and waits for them.
func (p *Pool[T]) Close() {
	for _, q := range p.queues {
		close(q)
	}
	p.wg.Wait()
}
