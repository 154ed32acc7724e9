package system

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// pipeline is the system's progress as GET /metrics reports it.
type pipeline struct {
	head, published, lag, handled float64
	after                         time.Duration // since the load ended
}

func (p pipeline) String() string {
	return fmt.Sprintf("after the load: %s to settle; %.0f events in the log, %.0f published, %.0f messages handled",
		p.after.Round(time.Millisecond), p.head, p.published, p.handled)
}

// settleQuiet is how long the pipeline must stay unchanged to count as
// settled: longer than a handler's first retry would leave it idle.
const settleQuiet = 1500 * time.Millisecond

// settle waits, at most --timeout, until the outbox is relayed and nothing
// moves any more: no lag, and the log and the handled count unchanged for
// settleQuiet. after is when that final state was first seen.
func (b *bench) settle(ctx context.Context, c *http.Client, base string) (pipeline, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, b.opts.timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last pipeline
	for {
		p, err := readPipeline(ctx, c, base)
		if err != nil {
			return last, err
		}
		if p.lag != 0 || p.head != last.head || p.handled != last.handled {
			p.after = time.Since(start)
			last = p
		} else if time.Since(start)-last.after >= settleQuiet {
			return last, nil
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("not settled: %s: %w", last, ctx.Err())
		case <-tick.C:
		}
	}
}

// readPipeline reads the figures settle watches from /metrics.
func readPipeline(ctx context.Context, c *http.Client, base string) (pipeline, error) {
	body, err := getMetrics(ctx, c, base)
	if err != nil {
		return pipeline{}, err
	}
	var p pipeline
	for _, m := range []struct {
		name string
		v    *float64
	}{{"banchan_event_log_position", &p.head}, {"banchan_outbox_published_total", &p.published},
		{"banchan_outbox_lag", &p.lag}, {"banchan_consumer_handled_total", &p.handled}} {
		v, ok := metricSum(body, m.name)
		if !ok {
			return pipeline{}, fmt.Errorf("GET /metrics: no %s", m.name)
		}
		*m.v = v
	}
	return p, nil
}

// getMetrics reads a running system's /metrics text (at most 1 MiB).
func getMetrics(ctx context.Context, c *http.Client, base string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return string(body), nil
}

// metricSum adds up every sample of one metric in the Prometheus text format.
func metricSum(text, name string) (float64, bool) {
	var sum float64
	found := false
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		fields := strings.Fields(rest[strings.LastIndex(rest, "}")+1:])
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		sum, found = sum+v, true
	}
	return sum, found
}
