package system_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/banchan/banchan/event/eventtest"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/system"
	"github.com/banchan/banchan/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// The channel names are fixed, and Redis's channels are global: every
// system started here with --redis-url hears every test's messages. The
// tests use batch refs and order ids of their own and look only at those.

// redisTestURL is the Redis to test against (BANCHAN_TEST_REDIS_URL).
func redisTestURL(t *testing.T) string {
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

var redisSeq atomic.Int64

func redisUnique(what string) string {
	return fmt.Sprintf("%s-%d-%d", what, os.Getpid(), redisSeq.Add(1))
}

// startWithRedis starts the system with --redis-url and a client to the
// same Redis, and waits until the system has subscribed.
func startWithRedis(t *testing.T, query string) (*testenv.Env, *redis.Client) {
	t.Helper()
	u := redisTestURL(t)
	e := testenv.Start(t, func(c *system.Config) { c.RedisURL = withQuery(u, query) })
	opt, _ := redis.ParseURL(u)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	e.Eventually(10*time.Second, "the system subscribed to change_batch_quantity", func() bool {
		_, body := e.Do("GET", "/metrics", "", nil)
		return strings.Contains(string(body), `banchan_redis_subscriptions_total{component="redis-change-batch-quantity"} 1`)
	})
	return e, rdb
}

func withQuery(u, query string) string {
	switch {
	case query == "":
		return u
	case strings.Contains(u, "?"):
		return u + "&" + query
	}
	return u + "?" + query
}

// lineAllocations listens on line_allocated for the given orders' messages.
func lineAllocations(t *testing.T, rdb *redis.Client, orders ...string) <-chan string {
	t.Helper()
	ps := rdb.Subscribe(context.Background(), "line_allocated")
	t.Cleanup(func() { _ = ps.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatalf("subscribe line_allocated: %v", err)
	}
	out := make(chan string, 100)
	go func() {
		for m := range ps.Channel() {
			var la contract.LineAllocated
			if json.Unmarshal([]byte(m.Payload), &la) == nil && contains(orders, la.OrderID) {
				out <- m.Payload
			}
		}
	}()
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// expectLines waits for exactly the wanted line_allocated messages, in any order.
func expectLines(t *testing.T, msgs <-chan string, want ...contract.LineAllocated) {
	t.Helper()
	pending := map[string]bool{}
	for _, w := range want {
		b, _ := json.Marshal(w)
		pending[string(b)] = true
	}
	timeout := time.After(10 * time.Second)
	for len(pending) > 0 {
		select {
		case m := <-msgs:
			if !pending[m] {
				t.Fatalf("line_allocated %s, want one of %v", m, pending)
			}
			delete(pending, m)
		case <-timeout:
			t.Fatalf("line_allocated: still waiting for %v", pending)
		}
	}
}

func redisPublish(t *testing.T, rdb *redis.Client, payload string) {
	t.Helper()
	if err := rdb.Publish(context.Background(), "change_batch_quantity", payload).Err(); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

func TestRedisChangeBatchQuantityReallocatesAndPublishesLineAllocated(t *testing.T) {
	t.Parallel()
	e, rdb := startWithRedis(t, "")
	sku, b1, b2 := redisUnique("SKU"), redisUnique("b1"), redisUnique("b2")
	o1, o2 := redisUnique("o1"), redisUnique("o2")
	msgs := lineAllocations(t, rdb, o1, o2)

	e.JSON("POST", "/add_batch", fmt.Sprintf(`{"ref":%q,"sku":%q,"qty":10,"eta":null}`, b1, sku), http.StatusCreated, nil)
	e.JSON("POST", "/add_batch", fmt.Sprintf(`{"ref":%q,"sku":%q,"qty":10,"eta":"2099-01-01"}`, b2, sku), http.StatusCreated, nil)
	for _, o := range []string{o1, o2} {
		e.JSON("POST", "/allocate", fmt.Sprintf(`{"orderid":%q,"sku":%q,"qty":4}`, o, sku), http.StatusAccepted, nil)
	}
	expectLines(t, msgs, contract.LineAllocated{OrderID: o1, SKU: sku, Qty: 4, BatchRef: b1},
		contract.LineAllocated{OrderID: o2, SKU: sku, Qty: 4, BatchRef: b1})

	// 3 left in b1 holds neither line: both move to b2.
	start := time.Now()
	redisPublish(t, rdb, fmt.Sprintf(`{"batchref": %q, "qty": 3}`, b1))
	for _, o := range []string{o1, o2} {
		e.Eventually(time.Second, o+" on "+b2, func() bool {
			var got []map[string]string
			e.JSON("GET", "/allocations/"+o, "", http.StatusOK, &got)
			return len(got) == 1 && got[0]["batchref"] == b2
		})
	}
	t.Logf("change_batch_quantity to reallocated: %v", time.Since(start))
	expectLines(t, msgs, contract.LineAllocated{OrderID: o1, SKU: sku, Qty: 4, BatchRef: b2},
		contract.LineAllocated{OrderID: o2, SKU: sku, Qty: 4, BatchRef: b2})

	_, body := e.Do("GET", "/metrics", "", nil)
	for _, m := range []string{`banchan_redis_received_total{component="redis-change-batch-quantity"}`,
		`banchan_redis_handled_total{component="redis-change-batch-quantity"}`,
		`banchan_redis_published_total{component="redis-line-allocated"}`,
		`banchan_redis_reconnects_total{component="redis-change-batch-quantity"} 0`} {
		if !strings.Contains(string(body), m) {
			t.Errorf("metrics lack %s:\n%s", m, body)
		}
	}
}

func TestRedisDeadLettersAreRedrivenThroughTheAPI(t *testing.T) {
	t.Parallel()
	e, rdb := startWithRedis(t, "")
	ref, sku := redisUnique("b-late"), redisUnique("SKU")
	good := fmt.Sprintf(`{"batchref":%q,"qty":5}`, ref)
	garbled := fmt.Sprintf(`{"batchref":%q,`, ref)
	redisPublish(t, rdb, good) // the batch does not exist yet
	redisPublish(t, rdb, garbled)

	mine := map[string]deadLetterView{}
	e.Eventually(10*time.Second, "two dead letters", func() bool {
		for _, d := range deadLetters(e) {
			if string(d.Message) == good || d.Raw == garbled {
				mine[string(d.Message)+d.Raw] = d
			}
		}
		return len(mine) == 2
	})
	d := mine[good]
	if d.Subscription != "redis-change-batch-quantity" || d.Handler != "redis-change-batch-quantity/ChangeBatchQuantity" ||
		d.Attempts != 1 || !strings.Contains(d.Reason, "not found") {
		t.Errorf("unknown batch: dead letter %+v", d)
	}
	if g := mine[garbled]; !strings.Contains(g.Reason, "malformed") {
		t.Errorf("garbled message: dead letter %+v, want a malformed reason", g)
	}
	// The subscriber is listed with the broker's subscriptions, counted.
	var subs struct {
		Items []struct {
			Name, Source string
			Running      bool
			Stats        struct{ DeadLettered int }
		}
	}
	e.JSON("GET", "/v1/subscriptions", "", http.StatusOK, &subs)
	listed := false
	for _, s := range subs.Items {
		if s.Name == "redis-change-batch-quantity" {
			listed = s.Source == "redis channel change_batch_quantity" && s.Running && s.Stats.DeadLettered == 2
		}
	}
	if !listed {
		t.Errorf("subscriptions %+v, want redis-change-batch-quantity from its channel, running, with 2 dead-lettered", subs.Items)
	}

	if code, body := e.Do("POST", "/v1/deadletters/"+d.ID+"/redrive", "", nil); code != http.StatusConflict {
		t.Errorf("redrive while the batch is unknown: %d %s, want 409", code, body)
	}
	e.JSON("POST", "/add_batch", fmt.Sprintf(`{"ref":%q,"sku":%q,"qty":10,"eta":null}`, ref, sku), http.StatusCreated, nil)
	e.JSON("POST", "/v1/deadletters/"+d.ID+"/redrive", "", http.StatusOK, nil)
	if code, _ := e.Do("GET", "/v1/deadletters/"+d.ID, "", nil); code != http.StatusNotFound {
		t.Errorf("redriven dead letter: %d, want 404 (deleted)", code)
	}
	var b struct{ Qty int }
	e.JSON("GET", "/v1/batches/"+ref, "", http.StatusOK, &b)
	if b.Qty != 5 {
		t.Errorf("batch qty %d after redrive, want 5", b.Qty)
	}
}

func TestRedisChannelsSurviveKilledConnections(t *testing.T) {
	t.Parallel()
	name := redisUnique("banchan-system")
	e, rdb := startWithRedis(t, "client_name="+name)
	sku, ref, order := redisUnique("SKU"), redisUnique("b"), redisUnique("o")
	msgs := lineAllocations(t, rdb, order)
	e.JSON("POST", "/add_batch", fmt.Sprintf(`{"ref":%q,"sku":%q,"qty":10,"eta":null}`, ref, sku), http.StatusCreated, nil)

	// As a Redis restart would, but only for this system's connections:
	// other tests share the server.
	if n := killRedisClients(t, rdb, name); n == 0 {
		t.Fatal("no connection of the system found to kill")
	}
	e.Eventually(10*time.Second, "re-subscribed", func() bool {
		_, body := e.Do("GET", "/metrics", "", nil)
		return strings.Contains(string(body), `banchan_redis_reconnects_total{component="redis-change-batch-quantity"} 1`)
	})
	redisPublish(t, rdb, fmt.Sprintf(`{"batchref":%q,"qty":6}`, ref))
	e.Eventually(5*time.Second, "qty 6 after the reconnect", func() bool {
		var b struct{ Qty int }
		e.JSON("GET", "/v1/batches/"+ref, "", http.StatusOK, &b)
		return b.Qty == 6
	})
	e.JSON("POST", "/allocate", fmt.Sprintf(`{"orderid":%q,"sku":%q,"qty":2}`, order, sku), http.StatusAccepted, nil)
	expectLines(t, msgs, contract.LineAllocated{OrderID: order, SKU: sku, Qty: 2, BatchRef: ref})
}

// killRedisClients kills the connections named name, by id, and counts them.
func killRedisClients(t *testing.T, rdb *redis.Client, name string) int {
	t.Helper()
	ctx := context.Background()
	list, err := rdb.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(list, "\n") {
		fields := map[string]string{}
		for _, f := range strings.Fields(line) {
			if k, v, ok := strings.Cut(f, "="); ok {
				fields[k] = v
			}
		}
		if fields["name"] == name {
			if err := rdb.Do(ctx, "CLIENT", "KILL", "ID", fields["id"]).Err(); err != nil {
				t.Fatalf("client kill %s: %v", fields["id"], err)
			}
			n++
		}
	}
	return n
}

func TestRedisURLIsValidatedAndMasked(t *testing.T) {
	cfg := system.Default()
	cfg.RedisURL = "rediss://user:secret@redis.example:6380/2"
	if err := cfg.Validate(); err != nil {
		t.Errorf("rediss URL rejected: %v", err)
	}
	if attrs := fmt.Sprint(cfg.LogAttrs()...); strings.Contains(attrs, "secret") || !strings.Contains(attrs, "redis.example") {
		t.Errorf("log attrs %s: want the Redis host without its password", attrs)
	}
	for _, bad := range []string{"http://u:secret@h:6379", "redis://", "127.0.0.1:6379"} {
		cfg.RedisURL = bad
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), "--redis-url") || strings.Contains(err.Error(), "secret") {
			t.Errorf("--redis-url %q: %v, want an error naming the flag, without the password", bad, err)
		}
	}
}

// TestReadyzReportsRedisWithoutFailing: Redis away is reported as degraded
// in /readyz, and the system stays ready (its API does not need Redis).
func TestReadyzReportsRedisWithoutFailing(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now
	e := testenv.Start(t, func(c *system.Config) { c.RedisURL = "redis://" + addr + "/0" })
	var ready struct {
		Ready  bool
		Checks map[string]string
	}
	e.JSON("GET", "/readyz", "", 200, &ready)
	if !ready.Ready || !strings.HasPrefix(ready.Checks["redis"], "degraded") {
		t.Errorf("readyz %+v, want ready with redis degraded", ready)
	}
}
