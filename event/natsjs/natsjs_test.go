package natsjs_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/event/natsjs"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// isolated gives each broker its own stream and subject prefix, so that
// tests sharing a server (and runs sharing the external one) never meet.
func isolated() natsjs.Config {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	suffix := hex.EncodeToString(b)
	return natsjs.Config{Stream: "TEST_" + suffix, Prefix: "test" + suffix}
}

// connect opens a broker on a fresh stream and deletes the stream when t ends.
func connect(t *testing.T, url string, opts ...nats.Option) (*natsjs.Broker, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts = append([]nats.Option{nats.Timeout(3 * time.Second)}, opts...)
	b, err := natsjs.Connect(ctx, url, isolated(), opts...)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := b.DeleteStream(ctx); err != nil {
			t.Logf("delete stream: %v", err)
		}
		_ = b.Close()
	})
	return b, nil
}

func TestEmbedded(t *testing.T) {
	ns, err := natsjs.StartEmbedded(natsjs.EmbeddedOptions{StoreDir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	eventtest.TestBroker(t, func(t *testing.T) event.Broker {
		b, err := connect(t, "", nats.InProcessServer(ns))
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestExternal(t *testing.T) {
	url := eventtest.NATSURL()
	probe, err := connect(t, url)
	eventtest.RequireService(t, "NATS JetStream at "+url, err)
	if err := probe.Ping(context.Background()); err != nil {
		t.Fatalf("ping: %v", err)
	}
	eventtest.TestBroker(t, func(t *testing.T) event.Broker {
		b, err := connect(t, url)
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestConfigValidate(t *testing.T) {
	bad := []natsjs.Config{{Stream: "a.b"}, {Stream: "has space"}, {Prefix: "p*"}, {Prefix: "p."}}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
		}
	}
	if err := (natsjs.Config{Stream: "S", Prefix: "a.b"}).Validate(); err != nil {
		t.Errorf("valid config rejected: %v", err)
	}
}

// epochOf starts an embedded server on dir, opens the broker (creating the
// stream if it is not there) and returns the stream's epoch.
func epochOf(t *testing.T, dir string) int64 {
	t.Helper()
	ns, err := natsjs.StartEmbedded(natsjs.EmbeddedOptions{StoreDir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	b, err := natsjs.Connect(context.Background(), "", natsjs.Config{}, nats.InProcessServer(ns))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	epoch, err := b.Epoch(context.Background())
	if err != nil || epoch == 0 {
		t.Fatalf("epoch = %d, %v; want a creation time", epoch, err)
	}
	return epoch
}

// TestEpoch checks that the stream's epoch survives a restart on the same
// storage and changes when the storage is lost.
func TestEpoch(t *testing.T) {
	dir := t.TempDir()
	first := epochOf(t, dir)
	if again := epochOf(t, dir); again != first {
		t.Errorf("epoch after a restart = %d, want %d", again, first)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if lost := epochOf(t, dir); lost == first {
		t.Errorf("epoch after the storage was deleted = %d, the same as before", lost)
	}
}

// TestSequence checks what the outbox relay compares on resume: the
// highest sequence acknowledged to this broker's publishes and the
// stream's last sequence, equal on a broker that lost nothing (also after
// a restart on the same storage, which the embedded server flushed to the
// operating system at every message).
func TestSequence(t *testing.T) {
	dir := t.TempDir()
	open := func() (*natsjs.Broker, func()) {
		ns, err := natsjs.StartEmbedded(natsjs.EmbeddedOptions{StoreDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		b, err := natsjs.Connect(context.Background(), "", natsjs.Config{}, nats.InProcessServer(ns))
		if err != nil {
			ns.Shutdown()
			t.Fatal(err)
		}
		return b, func() { b.Close(); ns.Shutdown(); ns.WaitForShutdown() }
	}
	ctx := context.Background()
	b, closeBroker := open()
	var envs []event.Envelope
	for i := range 3 {
		env, err := event.New("orders", "OrderPlaced", "test", fmt.Sprint("o-", i), map[string]int{"n": i})
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env)
	}
	if err := b.Publish(ctx, envs...); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, envs[2]); err != nil { // a repeated id: the first one's sequence
		t.Fatal(err)
	}
	last, err := b.LastSequence(ctx)
	if err != nil || last != 3 || b.Acknowledged() != 3 {
		t.Fatalf("after 3 messages (one sent twice): last %d (%v), acknowledged %d; want 3, 3", last, err, b.Acknowledged())
	}
	closeBroker()
	b, closeBroker = open()
	defer closeBroker()
	if last, err := b.LastSequence(ctx); err != nil || last != 3 || b.Acknowledged() != 0 {
		t.Fatalf("after a restart: last %d (%v), acknowledged %d; want 3, 0 (nothing published yet)", last, err, b.Acknowledged())
	}
}

// TestStreamLimits checks that the stream takes the configured retention
// (age and size) on creation, and again when a broker opens it with
// other limits, unless told to keep the stream's, on the embedded server
// and on the machine's (older) one.
func TestStreamLimits(t *testing.T) {
	ns, err := natsjs.StartEmbedded(natsjs.EmbeddedOptions{StoreDir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	servers := []struct {
		name string
		dial func() (*nats.Conn, error)
	}{
		{"embedded", func() (*nats.Conn, error) { return nats.Connect("", nats.InProcessServer(ns)) }},
		{"external", func() (*nats.Conn, error) { return nats.Connect(eventtest.NATSURL(), nats.Timeout(3*time.Second)) }},
	}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			nc, err := srv.dial()
			if srv.name == "external" {
				eventtest.RequireService(t, "NATS JetStream at "+eventtest.NATSURL(), err)
			} else if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nc.Close)
			ctx := context.Background()
			cfg := isolated()
			open := func(maxAge time.Duration, maxBytes int64, keepAge, keepBytes bool) {
				t.Helper()
				c := cfg
				c.MaxAge, c.MaxBytes, c.KeepMaxAge, c.KeepMaxBytes = maxAge, maxBytes, keepAge, keepBytes
				if _, err := natsjs.New(ctx, nc, c); err != nil {
					t.Fatal(err)
				}
			}
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = js.DeleteStream(context.Background(), cfg.Stream) })
			check := func(wantAge time.Duration, wantBytes int64) {
				t.Helper()
				st, err := js.Stream(ctx, cfg.Stream)
				if err != nil {
					t.Fatal(err)
				}
				if c := st.CachedInfo().Config; c.MaxAge != wantAge || c.MaxBytes != wantBytes {
					t.Errorf("stream limits: max age %s, max bytes %d; want %s, %d", c.MaxAge, c.MaxBytes, wantAge, wantBytes)
				}
			}
			open(3*time.Hour, 32<<20, true, true) // a new stream takes the limits given
			check(3*time.Hour, 32<<20)
			open(time.Hour, 64<<20, false, false)
			check(time.Hour, 64<<20)
			open(0, 0, true, true) // a process not told the limits keeps them
			check(time.Hour, 64<<20)
			open(2*time.Hour, 0, false, true) // told one of them
			check(2*time.Hour, 64<<20)
			open(0, 0, true, false)
			check(2*time.Hour, -1)
			open(0, 0, false, false) // unlimited again
			check(0, -1)
		})
	}
}

func TestConfigValidateLimits(t *testing.T) {
	bad := []struct {
		cfg     natsjs.Config
		mention string
	}{
		{natsjs.Config{MaxAge: -time.Second}, "max age -1s"},
		{natsjs.Config{MaxBytes: -1}, "max bytes -1"},
		{natsjs.Config{MaxAge: time.Minute}, "shorter than the deduplication window 2m0s"},
		{natsjs.Config{MaxAge: 5 * time.Minute, Duplicates: 10 * time.Minute}, "shorter than the deduplication window 10m0s"},
	}
	for _, c := range bad {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("Validate(%+v) = %v, want an error saying %q", c.cfg, err, c.mention)
		}
	}
	if err := (natsjs.Config{MaxAge: 2 * time.Minute, MaxBytes: 1 << 20}).Validate(); err != nil {
		t.Errorf("valid limits rejected: %v", err)
	}
}
