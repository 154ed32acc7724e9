package system

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// benchRow is one line of the bench table.
type benchRow struct {
	phase, name string
	ops         int64
	elapsed     time.Duration
	p50, p99    time.Duration // zero when not measured
	ratio       string        // against the row this one is read against
	note        string
	err         error
}

func (r benchRow) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ops) / r.elapsed.Seconds()
}

// withLatencies sets p50 and p99 from unsorted samples.
func (r benchRow) withLatencies(samples []time.Duration) benchRow {
	slices.Sort(samples)
	r.p50, r.p99 = percentile(samples, 50), percentile(samples, 99)
	return r
}

// percentile is the nearest-rank percentile p (0 < p <= 100) of sorted
// samples, or 0 without samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// The epsilon keeps p99.9 of 1000 at rank 999, not 1000 (99.9 has no
	// exact binary form).
	rank := int(math.Ceil(p/100*float64(len(sorted)) - 1e-9))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// spread describes the latency distribution of sorted samples beyond p50
// and p99, and the share answered within bound: "p10 2.4ms, p90 7.3ms,
// p99.9 17ms; 61.2% within 5ms".
func spread(sorted []time.Duration, bound time.Duration) string {
	if len(sorted) == 0 {
		return ""
	}
	within, _ := slices.BinarySearch(sorted, bound+1)
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	return fmt.Sprintf("p10 %v, p90 %v, p99.9 %v; %.1f%% within %v", r(percentile(sorted, 10)), r(percentile(sorted, 90)),
		r(percentile(sorted, 99.9)), 100*float64(within)/float64(len(sorted)), bound)
}

// ratio renders rate/base as "0.93× what", or "-" when base is unknown.
func ratio(rate, base float64, what string) string {
	if base <= 0 || rate <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f× %s", rate/base, what)
}

// loadResult is what a closed loop of clients achieved.
type loadResult struct {
	ok, failed int64
	latencies  []time.Duration // of the successful operations
	elapsed    time.Duration
	firstErr   error
}

// closedLoop runs op from clients goroutines, each starting a new call as
// soon as its previous one returns, until d has passed; calls in flight
// then finish (bounded by grace). elapsed runs until the last one returns.
func closedLoop(ctx context.Context, clients int, d, grace time.Duration, op func(context.Context) error) loadResult {
	deadline := time.Now().Add(d)
	return runClients(ctx, clients, d+grace, func(context.Context) (time.Time, bool) {
		now := time.Now()
		return now, now.Before(deadline)
	}, op)
}

// openLoop offers op at rate calls per second for d, spread over clients
// goroutines (each one call at a time, as one connection): call k is due
// at start + k/rate, and its latency runs from when it was due, so a
// system that falls behind shows the wait of the calls it held up (no
// coordinated omission). Calls in flight then finish (bounded by grace).
func openLoop(ctx context.Context, clients, rate int, d, grace time.Duration, op func(context.Context) error) loadResult {
	var next atomic.Int64 // the next call's number
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	total := int64(d / interval)
	return runClients(ctx, clients, d+grace, func(ctx context.Context) (time.Time, bool) {
		k := next.Add(1) - 1
		if k >= total {
			return time.Time{}, false
		}
		due := start.Add(time.Duration(k) * interval)
		if wait := time.Until(due); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		return due, true
	}, op)
}

// runClients runs op from clients goroutines, each calling next before
// every call: next waits until the call is due and says when that was
// (each latency runs from then), or that the client is done. The whole
// run is bounded by limit.
func runClients(ctx context.Context, clients int, limit time.Duration, next func(context.Context) (time.Time, bool),
	op func(context.Context) error) loadResult {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var (
		mu       sync.Mutex
		res      loadResult
		ok, fail atomic.Int64
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			var lat []time.Duration
			for ctx.Err() == nil {
				due, more := next(ctx)
				if !more {
					break
				}
				if err := op(ctx); err != nil {
					fail.Add(1)
					mu.Lock()
					res.firstErr = cmpOr(res.firstErr, err)
					mu.Unlock()
					continue
				}
				lat = append(lat, time.Since(due))
				ok.Add(1)
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.ok, res.failed = ok.Load(), fail.Load()
	return res
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// row turns the result into a table row.
func (r loadResult) row(phase, name string) benchRow {
	row := benchRow{phase: phase, name: name, ops: r.ok, elapsed: r.elapsed}.withLatencies(r.latencies)
	if r.failed > 0 {
		row.note = fmt.Sprintf("%d failed, first: %v", r.failed, r.firstErr)
	}
	return row
}

// printBenchTable writes the rows as an aligned table.
func printBenchTable(w io.Writer, rows []benchRow) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tMEASUREMENT\tOPS\tTIME\tOPS/S\tP50\tP99\tRATIO\tNOTE")
	for _, r := range rows {
		if r.err != nil {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t-\t-\tfailed: %v\n", r.phase, r.name, r.err)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%.0f\t%s\t%s\t%s\t%s\n", r.phase, r.name, r.ops,
			r.elapsed.Round(time.Millisecond), r.rate(), fmtLatency(r.p50), fmtLatency(r.p99),
			orDash(r.ratio), r.note)
	}
	return tw.Flush()
}

func fmtLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

func orDash(s string) string { return orDefault(s, "-") }
