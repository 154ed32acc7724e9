package memory_test

import (
	"context"
	"errors"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/event/memory"
)

func newBroker(t *testing.T, cfg memory.Config) *memory.Broker {
	t.Helper()
	b, err := memory.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestBroker(t *testing.T) {
	eventtest.TestBroker(t, func(t *testing.T) event.Broker { return newBroker(t, memory.Config{}) })
}

func TestDuplicateWindowForgetsOldIDs(t *testing.T) {
	b := newBroker(t, memory.Config{Duplicates: 2})
	envs := make([]event.Envelope, 3)
	for i := range envs {
		env, err := event.New("orders", "OrderPlaced", "test", "order-1", i)
		if err != nil {
			t.Fatal(err)
		}
		envs[i] = env
	}
	ctx := context.Background()
	// The window holds the last two ids: a repeat of envs[2] is dropped,
	// envs[0] has been forgotten and is taken again.
	if err := b.Publish(ctx, envs[0], envs[1], envs[2], envs[2], envs[0]); err != nil {
		t.Fatal(err)
	}
	if n := b.Len(); n != 4 {
		t.Errorf("log holds %d messages, want 4", n)
	}
}

func TestClosedBrokerRefusesUse(t *testing.T) {
	b := newBroker(t, memory.Config{})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	env, _ := event.New("orders", "OrderPlaced", "test", "order-1", 1)
	if err := b.Publish(ctx, env); !errors.Is(err, event.ErrClosed) {
		t.Errorf("publish after close: %v, want ErrClosed", err)
	}
	_, err := b.Subscribe(ctx, event.SubscribeOptions{Name: "s", Topics: []string{"orders"}},
		func(context.Context, event.Delivery) {})
	if !errors.Is(err, event.ErrClosed) {
		t.Errorf("subscribe after close: %v, want ErrClosed", err)
	}
	if err := b.Ping(ctx); !errors.Is(err, event.ErrClosed) {
		t.Errorf("ping after close: %v, want ErrClosed", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if _, err := memory.New(memory.Config{Duplicates: -1}); err == nil {
		t.Error("a negative duplicate window was accepted")
	}
}
