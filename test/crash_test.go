package systemtest

import (
	"testing"
	"time"
)

// TestCrashSafetyEmbedded kills the all-in-one process (embedded JetStream
// and SQLite) five times under load, restarting it on the same data
// directory, and checks that no accepted order is lost and none is
// allocated twice.
func TestCrashSafetyEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 loop: skipped under -short")
	}
	scenario{
		args:            []string{"--data-dir", t.TempDir()},
		stream:          "BANCHAN",
		prefix:          "banchan",
		disruptions:     []disruption{sigkill, sigkill, sigkill, sigkill, sigkill},
		workers:         8,
		shutdownTimeout: 10 * time.Second,
		ackWait:         10 * time.Second,
		limitedQty:      150,
		orphansAllowed:  true,
	}.run(t)
}

// TestGracefulShutdown stops the process with SIGTERM while orders are being
// placed: it must exit 0 within the shutdown timeout, every request it took
// must have been answered, and after a restart every accepted order is final.
func TestGracefulShutdown(t *testing.T) {
	scenario{
		args:            []string{"--data-dir", t.TempDir()},
		stream:          "BANCHAN",
		prefix:          "banchan",
		disruptions:     []disruption{sigterm},
		workers:         8,
		shutdownTimeout: 10 * time.Second,
		limitedQty:      150,
		// A graceful stop hands back what it had taken (Nak): nothing has
		// to wait for the ack wait to pass.
		ackWait:      20 * time.Second,
		settleWithin: 10 * time.Second,
	}.run(t)
}
