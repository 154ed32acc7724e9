package bus_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
)

type OrderPlaced struct{ OrderID string }

type StockReserved struct{ OrderID string }

// fakeTx is an event.Tx that records the statements run on it.
type fakeTx struct {
	mu    sync.Mutex
	execs []string
}

func (f *fakeTx) ExecContext(_ context.Context, q string, _ ...any) (sql.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.execs = append(f.execs, q)
	return nil, nil
}

func (f *fakeTx) QueryContext(context.Context, string, ...any) (*sql.Rows, error) {
	return nil, errors.New("fakeTx: no queries")
}

func (f *fakeTx) QueryRowContext(context.Context, string, ...any) *sql.Row { return nil }

func (f *fakeTx) Append(context.Context, ...event.Envelope) error { return nil }

func (f *fakeTx) MarkHandled(context.Context, string, string) (bool, error) { return true, nil }

func (f *fakeTx) Lock(context.Context, string) error { return nil }

// writer is a handler that writes its name on the transaction.
func writer[T any](name string, err error) func(context.Context, event.Tx, T) error {
	return func(ctx context.Context, tx event.Tx, _ T) error {
		if _, e := tx.ExecContext(ctx, name); e != nil {
			return e
		}
		return err
	}
}

func TestHandlersRunInOrderOnTheSameTx(t *testing.T) {
	b := bus.New()
	for _, name := range []string{"inventory", "kitchen", "delivery"} {
		bus.Subscribe(b, writer[OrderPlaced](name, nil))
	}
	tx := &fakeTx{}
	if err := bus.Publish(context.Background(), b, tx, OrderPlaced{"o1"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tx.execs, ","); got != "inventory,kitchen,delivery" {
		t.Errorf("handlers wrote %q, want inventory,kitchen,delivery", got)
	}
}

func TestFirstErrorStopsAndNamesTheType(t *testing.T) {
	b := bus.New()
	boom := errors.New("out of stock")
	bus.Subscribe(b, writer[OrderPlaced]("inventory", boom))
	bus.Subscribe(b, writer[OrderPlaced]("kitchen", nil))
	tx := &fakeTx{}
	err := bus.Publish(context.Background(), b, tx, OrderPlaced{"o1"})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "OrderPlaced") {
		t.Errorf("Publish = %v, want the handler's error wrapped with the message type", err)
	}
	if len(tx.execs) != 1 {
		t.Errorf("handlers after the failing one ran: %v", tx.execs)
	}
}

func TestNestedPublishIsDepthFirst(t *testing.T) {
	b := bus.New()
	bus.Subscribe(b, func(ctx context.Context, tx event.Tx, m OrderPlaced) error {
		_, _ = tx.ExecContext(ctx, "reserve")
		return bus.Publish(ctx, b, tx, StockReserved(m))
	})
	bus.Subscribe(b, writer[OrderPlaced]("cook", nil))
	bus.Subscribe(b, writer[StockReserved]("pick", nil))
	tx := &fakeTx{}
	if err := bus.Publish(context.Background(), b, tx, OrderPlaced{"o1"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tx.execs, ","); got != "reserve,pick,cook" {
		t.Errorf("order %q, want reserve,pick,cook", got)
	}
}

func TestNestedErrorReachesThePublisher(t *testing.T) {
	b := bus.New()
	boom := errors.New("no picker")
	bus.Subscribe(b, func(ctx context.Context, tx event.Tx, m OrderPlaced) error {
		return bus.Publish(ctx, b, tx, StockReserved(m))
	})
	bus.Subscribe(b, writer[StockReserved]("pick", boom))
	err := bus.Publish(context.Background(), b, &fakeTx{}, OrderPlaced{"o1"})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "OrderPlaced") || !strings.Contains(err.Error(), "StockReserved") {
		t.Errorf("Publish = %v, want the nested error with both types", err)
	}
}

func TestCycleIsRefused(t *testing.T) {
	b := bus.New()
	calls := 0
	bus.Subscribe(b, func(ctx context.Context, tx event.Tx, m OrderPlaced) error {
		calls++
		return bus.Publish(ctx, b, tx, m)
	})
	err := bus.Publish(context.Background(), b, &fakeTx{}, OrderPlaced{"o1"})
	if !errors.Is(err, bus.ErrTooDeep) {
		t.Errorf("Publish = %v, want ErrTooDeep", err)
	}
	if calls != bus.MaxDepth {
		t.Errorf("handler ran %d times, want %d", calls, bus.MaxDepth)
	}
}

func TestTypesWithoutHandlers(t *testing.T) {
	b := bus.New()
	bus.Subscribe(b, writer[*OrderPlaced]("pointer", nil))
	tx := &fakeTx{}
	if err := bus.Publish(context.Background(), b, tx, OrderPlaced{"o1"}); err != nil {
		t.Errorf("a message without handlers: %v", err)
	}
	if len(tx.execs) != 0 {
		t.Errorf("a handler of *OrderPlaced ran for OrderPlaced: %v", tx.execs)
	}
}

func TestSubscribeWhilePublishing(t *testing.T) {
	b := bus.New()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { bus.Subscribe(b, writer[OrderPlaced]("x", nil)) })
		wg.Go(func() { _ = bus.Publish(context.Background(), b, &fakeTx{}, OrderPlaced{"o1"}) })
	}
	wg.Wait()
	tx := &fakeTx{}
	_ = bus.Publish(context.Background(), b, tx, OrderPlaced{"o1"})
	if len(tx.execs) != 4 {
		t.Errorf("%d handlers ran, want the 4 subscribed", len(tx.execs))
	}
}
