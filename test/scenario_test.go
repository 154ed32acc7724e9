package systemtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// disruption ends a process while orders are being placed.
type disruption int

const (
	sigkill disruption = iota // a crash: nothing gets to finish
	sigterm                   // a graceful stop: exit 0 within the shutdown timeout
)

func (d disruption) String() string { return [...]string{"SIGKILL", "SIGTERM"}[d] }

// stock is a batch added before the load starts.
type stock struct {
	ref, sku string
	qty      int
	limited  bool // demand exceeds it: some orders must be backordered
}

// scenario is the flow the restart tests share: add stock, place orders
// from several workers, end the process with each disruption in turn
// (restarting it on the same storage after all but the last), then start it
// once more and check that every order was stored and allocated exactly once.
type scenario struct {
	args            []string // flags of every start: storage and broker
	stream, prefix  string
	natsURL         string // the external NATS server; "" means the embedded one
	disruptions     []disruption
	workers         int
	shutdownTimeout time.Duration
	// ackWait is how long the broker waits for an acknowledgement before it
	// redelivers: after a crash, what the dead process had taken waits that long.
	ackWait    time.Duration
	limitedQty int // stock of the limited SKU
	// settleWithin, when set, bounds how long the orders may take to become
	// final after the last start (settleTimeout bounds it otherwise).
	settleWithin time.Duration
	// orphansAllowed says whether an order may exist that no client got a 201
	// for (after SIGKILL it may; a graceful stop answers every request it took).
	orphansAllowed bool
}

// ampleStock is more than any run orders.
var ampleStock = stock{ref: "ample-1", sku: "BROTH-AMPLE", qty: 5_000_000}

func (s scenario) stocks() []stock {
	return []stock{{ref: "limited-1", sku: "KIMCHI-LIMITED", qty: s.limitedQty, limited: true}, ampleStock}
}

func (s scenario) run(t *testing.T) {
	args := append([]string{"--nats-stream", s.stream, "--nats-prefix", s.prefix,
		"--shutdown-timeout", s.shutdownTimeout.String(), "--ack-wait", s.ackWait.String()}, s.args...)
	p := start(t, "banchan #1", args...)
	c := newClient(p.url())
	ctx := context.Background()
	for _, st := range s.stocks() {
		if err := c.addBatch(ctx, st.ref, st.sku, st.qty); err != nil {
			t.Fatal(err)
		}
	}
	l := startLoad(c, s.workers, s.stocks()[0].sku, ampleStock.sku)
	t.Cleanup(func() { l.halt() })
	for i, d := range s.disruptions {
		// A random moment, not an outcome: the load keeps going meanwhile.
		<-time.After(time.Duration(200+rand.IntN(600)) * time.Millisecond)
		before := l.led.acceptedCount()
		s.disrupt(t, p, d)
		t.Logf("%s #%d: %d orders accepted so far", d, i+1, before)
		if i < len(s.disruptions)-1 {
			p = start(t, fmt.Sprintf("banchan #%d", i+2), args...)
			c.point(p.url())
		}
	}
	led := l.halt()
	natsURL := s.natsURL
	if natsURL == "" {
		listen := freeAddr(t)
		args = append(args, "--nats-listen", listen)
		natsURL = "nats://" + listen
	}
	p = start(t, "banchan final", args...)
	c.point(p.url())
	s.verify(t, c, led, natsURL)
}

func (s scenario) disrupt(t *testing.T, p *proc, d disruption) {
	t.Helper()
	if d == sigkill {
		p.kill(t)
		return
	}
	code, took, err := p.terminate(s.shutdownTimeout + 10*time.Second)
	switch {
	case err != nil:
		t.Fatalf("%s: %v", p.name, err)
	case code != 0:
		t.Fatalf("%s: exit code %d after SIGTERM, want 0", p.name, code)
	case took > s.shutdownTimeout:
		t.Errorf("%s: took %v to stop after SIGTERM, more than the shutdown timeout %v", p.name, took, s.shutdownTimeout)
	}
	t.Logf("%s: exit 0 %v after SIGTERM", p.name, took.Round(time.Millisecond))
}
