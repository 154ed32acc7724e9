package system_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/system"
	"github.com/banchan/banchan/internal/testenv"
)

// TestAProcessOnAnotherStoreIsRefused: on the machine's NATS server, a
// second scm process on a store of its own (an operator who forgot
// --postgres-url) is refused at start, naming both stores and the way
// out, instead of taking a share of the first one's messages; with
// --take-over-subscriptions it takes them, and the first, started again,
// is then the one refused.
func TestAProcessOnAnotherStoreIsRefused(t *testing.T) {
	url, _, stream, suffix := externalStream(t, "TEST_OWNER_")
	onStream := func(c *system.Config) {
		c.NATSURL, c.NATSStream, c.NATSPrefix = url, stream, "testowner"+suffix
		c.Services = []string{"scm"}
	}
	// refused starts a process on dir and returns how its run ended, within
	// a deadline (a refused one ends at once).
	refused := func(dir string) error {
		t.Helper()
		cfg := system.Default()
		cfg.HTTP, cfg.DataDir, cfg.NoSync = "127.0.0.1:0", dir, true
		onStream(&cfg)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		sys, err := system.New(ctx, cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("new system on %s: %v", dir, err)
		}
		return sys.Run(ctx)
	}
	first := testenv.Start(t, onStream)
	first.AddBatch("b-1", "TOFU", 5)
	second := t.TempDir()
	err := refused(second)
	if !errors.Is(err, event.ErrOwnedElsewhere) {
		t.Fatalf("a second scm process on a store of its own: %v, want it refused", err)
	}
	for _, want := range []string{"scm_", "sqlite/", "--take-over-subscriptions"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
	// The first goes on serving.
	var line struct{ BatchRef string }
	first.JSON("POST", "/v1/allocations", `{"orderId":"o-1","sku":"TOFU","qty":1}`, 201, &line)
	if line.BatchRef != "b-1" {
		t.Errorf("the first process after the refusal allocated %+v, want b-1", line)
	}
	first.Stop()

	testenv.Start(t, onStream, func(c *system.Config) { c.DataDir, c.TakeOverSubscriptions = second, true }).Stop()
	if err := refused(first.Config.DataDir); !errors.Is(err, event.ErrOwnedElsewhere) {
		t.Errorf("the first process started again after the take-over: %v, want it refused", err)
	}
}

// TestADatabaseReplacedUnderItsEmbeddedBrokerIsRefused: all in one, a
// banchan.db made anew under a kept nats/ directory is refused, saying
// so, and runs with --take-over-subscriptions.
func TestADatabaseReplacedUnderItsEmbeddedBrokerIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testenv.Start(t, testenv.WithDataDir(dir)).Stop()
	matches, _ := filepath.Glob(filepath.Join(dir, "banchan.db*"))
	for _, m := range matches {
		if err := os.Remove(m); err != nil {
			t.Fatal(err)
		}
	}
	cfg := system.Default()
	cfg.HTTP, cfg.DataDir, cfg.NoSync = "127.0.0.1:0", dir, true
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sys, err := system.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := sys.Run(ctx); !errors.Is(err, event.ErrOwnedElsewhere) || !strings.Contains(err.Error(), "embedded broker") {
		t.Fatalf("a new database under the old broker: %v, want it refused naming the embedded broker", err)
	}
	testenv.Start(t, testenv.WithDataDir(dir), func(c *system.Config) { c.TakeOverSubscriptions = true }).Stop()
}
