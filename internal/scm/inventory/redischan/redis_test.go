package redischan_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
	"github.com/redis/go-redis/v9"
)

// The tests share the machine's Redis with each other and with other
// packages' tests: every test uses channels and names of its own, and
// kills only connections it opened.

// redisURL is the Redis to test against (BANCHAN_TEST_REDIS_URL).
func redisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("BANCHAN_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("BANCHAN_TEST_REDIS_URL: %v", err)
	}
	opt.MaxRetries, opt.DialerRetries = -1, 1
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	eventtest.RequireService(t, "Redis at "+u, rdb.Ping(ctx).Err())
	return u
}

// client opens a client named name (visible in CLIENT LIST), to addr when
// given instead of the test Redis's address.
func client(t *testing.T, name, addr string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(redisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	opt.ClientName = name
	if addr != "" {
		opt.Addr = addr
		opt.DialTimeout, opt.MaxRetries, opt.DialerRetries = 200*time.Millisecond, -1, 1
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

var seq atomic.Int64

// unique is a name no other test (or test run) uses.
func unique(t *testing.T, what string) string {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return fmt.Sprintf("test-%s-%s-%d-%d", what, name, os.Getpid(), seq.Add(1))
}

func openStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// listen subscribes a test client to channel and returns its messages,
// once Redis has confirmed the subscription.
func listen(t *testing.T, channel string) <-chan *redis.Message {
	t.Helper()
	ps := client(t, unique(t, "listener"), "").Subscribe(context.Background(), channel)
	t.Cleanup(func() { _ = ps.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatalf("subscribe %s: %v", channel, err)
	}
	return ps.Channel()
}

// next returns the next message, failing after timeout.
func next(t *testing.T, ch <-chan *redis.Message, timeout time.Duration) string {
	t.Helper()
	select {
	case m := <-ch:
		return m.Payload
	case <-time.After(timeout):
		t.Fatalf("no message within %v", timeout)
		return ""
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(eventtest.Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", eventtest.Timeout, what)
		}
		time.Sleep(5 * time.Millisecond) // a poll interval, not a wait for an outcome
	}
}

// killClients kills the connections of clients named name (CLIENT KILL by
// id, so that other tests' connections live on) and reports how many.
func killClients(t *testing.T, name string) int {
	t.Helper()
	ctx := context.Background()
	admin := client(t, unique(t, "admin"), "")
	list, err := admin.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(list, "\n") {
		var id string
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			}
		}
		if strings.Contains(" "+line+" ", " name="+name+" ") {
			if err := admin.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
				t.Fatalf("client kill %s: %v", id, err)
			}
			n++
		}
	}
	return n
}

// proxy stands between a client and Redis, so a test can take "Redis"
// away and bring it back (stop, start) or let connections die silently
// (silence) without touching the Redis other tests share.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	pairs  []*pair
	wg     sync.WaitGroup
}

type pair struct {
	client, upstream net.Conn
	silenced         atomic.Bool
}

func startProxy(t *testing.T) *proxy {
	t.Helper()
	opt, err := redis.ParseURL(redisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, target: opt.Addr, addr: "127.0.0.1:0"}
	p.start()
	t.Cleanup(func() { p.stop(); p.wg.Wait() })
	return p
}

// start listens (again, on the same address after a stop).
func (p *proxy) start() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Add(1)
	go p.accept(ln)
}

func (p *proxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		pr := &pair{client: c, upstream: up}
		p.mu.Lock()
		p.pairs = append(p.pairs, pr)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { defer p.wg.Done(); pr.forward() }()
		go func() { defer p.wg.Done(); pr.backward() }()
	}
}

// forward copies requests to Redis; silenced, it swallows them.
func (pr *pair) forward() {
	_, _ = io.Copy(pr.upstream, pr.client)
	if pr.silenced.Load() {
		_, _ = io.Copy(io.Discard, pr.client)
	}
	_ = pr.client.Close()
	_ = pr.upstream.Close()
}

// backward copies replies; silenced, the client hears nothing more.
func (pr *pair) backward() {
	_, _ = io.Copy(pr.client, pr.upstream)
	if !pr.silenced.Load() {
		_ = pr.client.Close()
	}
}

// stop closes the listener and every connection, as a Redis shutdown does.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, pr := range p.pairs {
		_ = pr.client.Close()
		_ = pr.upstream.Close()
	}
	p.pairs = nil
}

// silence cuts the open connections from Redis without telling their
// clients (a dead peer or network path); new connections work.
func (p *proxy) silence() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.pairs {
		pr.silenced.Store(true)
		_ = pr.upstream.Close()
	}
}

// Addr is where clients connect.
func (p *proxy) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addr
}

// countingPublisher counts an inner publisher's failures.
type countingPublisher struct {
	inner  event.Publisher
	failed atomic.Int64
}

func (c *countingPublisher) Publish(ctx context.Context, envs ...event.Envelope) error {
	err := c.inner.Publish(ctx, envs...)
	if err != nil {
		c.failed.Add(1)
	}
	return err
}

var errStore = errors.New("store unavailable")

// testLogger logs to the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
