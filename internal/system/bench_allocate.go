package system

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// allocateSKUs is how many SKUs the allocate phase spreads its lines over.
const allocateSKUs = 100

// allocateLatencyTarget is the latency bound for allocations (p99
// under it): each allocate row tells the share of requests answered within it.
const allocateLatencyTarget = 5 * time.Millisecond

// allocatePhase drives the book's POST /allocate with --clients concurrent
// clients over fresh order ids and SKUs on the whole system, run as its own
// process on embedded defaults (durable SQLite): first GET /healthz on it
// (what HTTP alone costs on this machine, the floor of any latency), then
// /allocate with group commit (the default), then /allocate on a system
// that commits each request on its own, measured in the same run. The
// clients are the lean rawClient, so that the load tool takes as little
// as it can of the cores it shares with the system.
func (b *bench) allocatePhase(ctx context.Context) ([]benchRow, error) {
	floor, group, settled, paced := b.allocateRows(ctx, false)
	_, single, _, _ := b.allocateRows(ctx, true)
	if single.err == nil && group.err == nil {
		group.ratio = ratio(group.rate(), single.rate(), "one commit per request")
	}
	rows := []benchRow{floor, group, settled, paced, single}
	for _, r := range rows {
		if r.err != nil {
			return rows, r.err
		}
	}
	return rows, nil
}

func (b *bench) allocateRows(ctx context.Context, noGroup bool) (floor, alloc, settled, paced benchRow) {
	mode, dir, args := "group commit", "allocate-group", []string(nil)
	if noGroup {
		mode, dir, args = "one commit per request", "allocate-single", []string{"--no-group-commit"}
	}
	floor = benchRow{phase: "allocate", name: fmt.Sprintf("HTTP GET /healthz, same system, %d clients", b.opts.clients),
		note: "the HTTP floor"}
	alloc = benchRow{phase: "allocate", name: fmt.Sprintf("HTTP POST /allocate, %s, %d clients", mode, b.opts.clients)}
	sys, err := b.startProcess(ctx, dir, args...)
	if err != nil {
		floor.err, alloc.err, settled.err, paced.err = err, err, err, err
		return floor, alloc, settled, paced
	}
	defer sys.stop()
	base, client := sys.base, sys.client
	for i := 0; i < allocateSKUs; i++ {
		body := fmt.Sprintf(`{"ref":"bench-%d","sku":"BENCH-%d","qty":10000000,"eta":null}`, i, i)
		if err := postWant(ctx, client, base+"/add_batch", body, http.StatusCreated); err != nil {
			floor.err, alloc.err, settled.err, paced.err = err, err, err, err
			return floor, alloc, settled, paced
		}
	}
	raw, err := newRawClient(base, b.opts.clients, b.opts.timeout)
	if err != nil {
		floor.err, alloc.err, settled.err, paced.err = err, err, err, err
		return floor, alloc, settled, paced
	}
	defer raw.close()
	if !noGroup {
		res := closedLoop(ctx, b.opts.clients, b.opts.duration, b.opts.timeout, func(ctx context.Context) error {
			return raw.do(ctx, http.MethodGet, "/healthz", nil, http.StatusOK)
		})
		floor = res.row("allocate", floor.name)
		floor.note = cmp.Or(floor.note, "the HTTP floor")
	}
	before, ferr := scrapeCommitFigures(ctx, client, base)
	cpuBefore, cerr := sys.cpu()
	var seq atomic.Int64
	allocate := func(ctx context.Context) error {
		n := seq.Add(1)
		body := make([]byte, 0, 64)
		body = append(body, `{"orderid":"bench-order-`...)
		body = strconv.AppendInt(body, n, 10)
		body = append(body, `","sku":"BENCH-`...)
		body = strconv.AppendInt(body, n%allocateSKUs, 10)
		body = append(body, `","qty":1}`...)
		return raw.do(ctx, http.MethodPost, "/allocate", body, http.StatusAccepted)
	}
	res := closedLoop(ctx, b.opts.clients, b.opts.duration, b.opts.timeout, allocate)
	alloc = res.row("allocate", alloc.name)
	var notes []string
	if cpuAfter, err := sys.cpu(); cerr == nil && err == nil && res.ok > 0 {
		notes = append(notes, fmt.Sprintf("system CPU %v per allocation", ((cpuAfter-cpuBefore)/time.Duration(res.ok)).Round(time.Microsecond)))
	}
	if after, err := scrapeCommitFigures(ctx, client, base); ferr == nil && err == nil {
		if n := after.since(before).note(); n != "" {
			notes = append(notes, n)
		}
	}
	if sp := spread(res.latencies, allocateLatencyTarget); sp != "" {
		notes = append(notes, sp)
	}
	if alloc.note == "" {
		alloc.note = strings.Join(notes, "; ")
	}
	if noGroup || alloc.err != nil || res.ok == 0 {
		return floor, alloc, settled, paced
	}
	// The same allocations, until every event they made is relayed and
	// handled: the rate the whole system sustains, not only its API.
	p, err := b.settle(ctx, client, base)
	settled = benchRow{phase: "allocate", name: "  same allocations, until all events relayed and handled",
		ops: res.ok, elapsed: res.elapsed + p.after, err: err, note: p.String()}
	// The same system below its saturation: latency at an offered rate.
	rate := b.opts.rate
	if rate == 0 {
		rate = max(100, int(0.7*alloc.rate())/100*100)
	}
	pres := openLoop(ctx, b.opts.clients, rate, b.opts.duration, b.opts.timeout, allocate)
	paced = pres.row("allocate", fmt.Sprintf("HTTP POST /allocate, group commit, %d clients, %d/s offered", b.opts.clients, rate))
	paced.note = cmp.Or(paced.note, "open loop: latency from when each request was due; "+spread(pres.latencies, allocateLatencyTarget))
	return floor, alloc, settled, paced
}

// postWant sends a JSON body and wants the given status.
func postWant(ctx context.Context, c *http.Client, url, body string, want int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return doWant(c, req, want)
}

func doWant(c *http.Client, req *http.Request, want int) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, strings.TrimSpace(string(got)))
	}
	return nil
}
