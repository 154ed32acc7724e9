// Package bus is a typed, in-process, synchronous message bus for modules of
// one service that must change together: the modules of a modular monolith
// that share one store and one transaction. A message published on the bus
// is handled before Publish returns, by every handler subscribed to its Go
// type, in subscription order, each given the publisher's transaction, so
// that all their writes commit or roll back as one.
//
// The first handler error stops the rest and is returned, wrapped with the
// message type, for the caller to return from its Update so the transaction
// rolls back. Handlers may publish further messages, which are handled
// depth-first, before the next handler of the outer message; nesting deeper
// than MaxDepth is refused as a cycle (ErrTooDeep).
//
// Messages that must cross a service boundary, or survive a crash before
// they are handled, belong in the outbox (event.Tx.Append), not on the bus.
package bus

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/banchan/banchan/event"
)

// MaxDepth bounds how deeply handlers may nest Publish calls.
const MaxDepth = 32

// ErrTooDeep reports Publish nested more than MaxDepth levels, which almost
// always means handlers publish to each other in a cycle.
var ErrTooDeep = errors.New("bus: messages nested too deep")

// Bus routes messages to the handlers of their type. Build it with New,
// subscribe while wiring, then publish; both are safe for concurrent use.
type Bus struct {
	mu sync.RWMutex
	// handlers maps a message type T to its []Handler[T]. Subscribe
	// replaces the slice rather than growing it in place, so Publish can
	// call a snapshot without holding the lock.
	handlers map[reflect.Type]any
}

// Handler handles a message of type T inside the publisher's transaction.
type Handler[T any] func(ctx context.Context, tx event.Tx, msg T) error

// New returns a bus without handlers.
func New() *Bus { return &Bus{handlers: map[reflect.Type]any{}} }

// Subscribe adds h to the handlers of messages of type T. Handlers run in
// the order they were subscribed.
func Subscribe[T any](b *Bus, h func(ctx context.Context, tx event.Tx, msg T) error) {
	typ := reflect.TypeFor[T]()
	b.mu.Lock()
	defer b.mu.Unlock()
	hs, _ := b.handlers[typ].([]Handler[T])
	b.handlers[typ] = append(slices.Clip(hs), h)
}

// Publish hands msg to every handler of T, in order, with tx, and returns the
// first error, wrapped with T's name. A message without handlers is not an
// error. Handlers that publish must pass on the ctx they were given: it
// carries the nesting depth.
func Publish[T any](ctx context.Context, b *Bus, tx event.Tx, msg T) error {
	typ := reflect.TypeFor[T]()
	depth, _ := ctx.Value(depthKey{}).(int)
	if depth >= MaxDepth {
		return fmt.Errorf("publish %s: %w (more than %d levels)", typ, ErrTooDeep, MaxDepth)
	}
	b.mu.RLock()
	hs, _ := b.handlers[typ].([]Handler[T])
	b.mu.RUnlock()
	ctx = context.WithValue(ctx, depthKey{}, depth+1)
	for _, h := range hs {
		if err := h(ctx, tx, msg); err != nil {
			return fmt.Errorf("bus: %s: %w", typ, err)
		}
	}
	return nil
}

// depthKey keys the Publish nesting depth in a context.
type depthKey struct{}
