package systemtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// attempt is one logical order. Its customer id is unique, so the order it
// became can be recognised among the published OrderPlaced events even when
// the client never saw a 201 for it.
type attempt struct {
	customer string
	key      string // Idempotency-Key; "" for an unkeyed order
	req      orderRequest
}

// ledger is what the clients know about the orders they placed.
type ledger struct {
	mu        sync.Mutex
	accepted  map[string]attempt // order id → the attempt that got a 201 for it
	uncertain map[string]bool    // customers of unkeyed attempts that may have reached a server without a 201
	pending   []attempt          // keyed attempts still without a 201 when the load stopped
	outcomes  map[string]int     // "201", "503", "refused", "error", ... → count
	errors    []string           // the first few transport errors, for the log
}

func newLedger() *ledger {
	return &ledger{accepted: map[string]attempt{}, uncertain: map[string]bool{}, outcomes: map[string]int{}}
}

// record files the result of one POST; it reports whether to try again
// (a keyed attempt that failed in a way a retry can fix).
func (l *ledger) record(a attempt, p placed, err error) (retry bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err == nil && p.status == http.StatusCreated:
		l.accepted[p.id] = a
		l.outcomes["201"]++
		return false
	case errors.Is(err, syscall.ECONNREFUSED):
		// Nothing listened: no server can have committed it.
		l.outcomes["refused"]++
		return a.key != ""
	case err != nil:
		l.outcomes["error"]++
		if len(l.errors) < 3 {
			l.errors = append(l.errors, err.Error())
		}
	default:
		l.outcomes[strconv.Itoa(p.status)]++
		if p.status < 500 {
			return false // a client error: the assertions on outcomes report it
		}
	}
	if a.key == "" {
		l.uncertain[a.customer] = true
	}
	return a.key != ""
}

func (l *ledger) pend(a attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append(l.pending, a)
}

func (l *ledger) acceptedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.accepted)
}

// load places single-line orders from several workers until halted. Half
// the orders carry an Idempotency-Key and are retried with it until they
// get a 201; the others are sent once, as a careless client would.
type load struct {
	c    *client
	skus []string
	led  *ledger
	stop atomic.Bool
	wg   sync.WaitGroup
}

func startLoad(c *client, workers int, skus ...string) *load {
	l := &load{c: c, skus: skus, led: newLedger()}
	seed := uint64(time.Now().UnixNano())
	for w := range workers {
		l.wg.Add(1)
		go l.worker(w, rand.New(rand.NewPCG(seed, uint64(w))))
	}
	return l
}

// halt stops the workers, lets their requests in flight finish, and returns
// the ledger.
func (l *load) halt() *ledger {
	l.stop.Store(true)
	l.wg.Wait()
	return l.led
}

func (l *load) worker(w int, rng *rand.Rand) {
	defer l.wg.Done()
	for n := 0; !l.stop.Load(); n++ {
		a := attempt{customer: fmt.Sprintf("w%d-%d", w, n)}
		if rng.IntN(2) == 0 {
			a.customer += "-k"
			a.key = "key-" + a.customer
		}
		a.req = newOrder(a.customer, l.skus[rng.IntN(len(l.skus))], 1+rng.IntN(3))
		l.place(a)
	}
}

func (l *load) place(a attempt) {
	for {
		// Requests are not cancelled on halt: one in flight completes.
		p, err := l.c.placeOrder(context.Background(), a.req, a.key)
		retry := l.led.record(a, p, err)
		if err == nil && p.status == http.StatusCreated {
			return
		}
		if retry && l.stop.Load() {
			l.led.pend(a)
			return
		}
		// Back off while the server is down, then go on: a client's
		// retry pause, not a wait for an outcome.
		time.Sleep(20 * time.Millisecond)
		if !retry {
			return
		}
	}
}

// resolve retries keyed attempts (those still pending when the load
// stopped) until each gets its 201.
func (l *ledger) resolve(ctx context.Context, c *client, attempts []attempt, timeout time.Duration) error {
	for _, a := range attempts {
		err := eventually(ctx, timeout, func() error {
			p, err := c.placeOrder(ctx, a.req, a.key)
			if err != nil {
				return err
			}
			if p.status != http.StatusCreated {
				return fmt.Errorf("retry of %s: %d %s", a.key, p.status, p.body)
			}
			l.mu.Lock()
			l.accepted[p.id] = a
			l.mu.Unlock()
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
