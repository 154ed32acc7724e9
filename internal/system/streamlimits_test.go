package system_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/internal/system"
	"github.com/banchan/banchan/internal/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// externalStream names a stream of the test's own on the machine's NATS
// server (deleted when the test ends) and its random suffix, for a
// subject prefix of its own too.
func externalStream(t *testing.T, prefix string) (url string, js jetstream.JetStream, stream, suffix string) {
	t.Helper()
	url = eventtest.NATSURL()
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	eventtest.RequireService(t, "NATS JetStream at "+url, err)
	t.Cleanup(nc.Close)
	if js, err = jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	suffix = hex.EncodeToString(b)
	stream = prefix + suffix
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), stream) })
	return url, js, stream, suffix
}

// TestStreamLimitsReachTheBroker runs the system against the machine's
// NATS server with --nats-max-age and --nats-max-bytes and checks that
// its stream was created with them, that a process started later without
// them leaves them as they are, and that one given a limit applies it.
func TestStreamLimitsReachTheBroker(t *testing.T) {
	url, js, stream, suffix := externalStream(t, "TEST_LIMITS_")
	check := func(when string, wantAge time.Duration, wantBytes int64) {
		t.Helper()
		st, err := js.Stream(context.Background(), stream)
		if err != nil {
			t.Fatal(err)
		}
		if c := st.CachedInfo().Config; c.MaxAge != wantAge || c.MaxBytes != wantBytes {
			t.Errorf("%s: stream %s: max age %s, max bytes %d; want %s, %d", when, stream, c.MaxAge, c.MaxBytes, wantAge, wantBytes)
		}
	}
	dir := t.TempDir() // each start is a restart of one process: its store binds the subscriptions
	start := func(age *time.Duration, size *int64) {
		t.Helper()
		testenv.Start(t, testenv.WithDataDir(dir), func(c *system.Config) {
			c.NATSURL, c.NATSStream, c.NATSPrefix = url, stream, "testlimits"+suffix
			c.NATSMaxAge, c.NATSMaxBytes = age, size
		}).Stop()
	}
	age, size := 2*time.Hour, int64(64<<20)
	start(&age, &size)
	check("started with limits", 2*time.Hour, 64<<20)
	start(nil, nil)
	check("started again without them", 2*time.Hour, 64<<20)
	zero := int64(0)
	start(nil, &zero)
	check("started with --nats-max-bytes 0", 2*time.Hour, -1)
}
