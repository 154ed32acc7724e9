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

// TestStreamLimitsReachTheBroker runs the system against the machine's
// NATS server with --nats-max-age and --nats-max-bytes and checks that
// its stream was created with them.
func TestStreamLimitsReachTheBroker(t *testing.T) {
	url := eventtest.NATSURL()
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	eventtest.RequireService(t, "NATS JetStream at "+url, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	suffix := hex.EncodeToString(b)
	stream := "TEST_LIMITS_" + suffix
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), stream) })
	testenv.Start(t, func(c *system.Config) {
		c.NATSURL, c.NATSStream, c.NATSPrefix = url, stream, "testlimits"+suffix
		c.NATSMaxAge, c.NATSMaxBytes = 2*time.Hour, 64<<20
	})
	st, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	if c := st.CachedInfo().Config; c.MaxAge != 2*time.Hour || c.MaxBytes != 64<<20 {
		t.Errorf("stream %s: max age %s, max bytes %d; want 2h0m0s, %d", stream, c.MaxAge, c.MaxBytes, 64<<20)
	}
}
