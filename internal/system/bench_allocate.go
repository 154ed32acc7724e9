package system

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// allocateSKUs is how many SKUs the allocate phase spreads its lines over.
const allocateSKUs = 100

// allocatePhase drives the book's POST /allocate with --clients concurrent
// clients over fresh order ids and SKUs on the whole system (durable
// SQLite), once with group commit (the default) and once with one commit
// per request, measured in the same run for comparison.
func (b *bench) allocatePhase(ctx context.Context) ([]benchRow, error) {
	group := b.allocateRow(ctx, false)
	single := b.allocateRow(ctx, true)
	if single.err == nil && group.err == nil {
		group.ratio = ratio(group.rate(), single.rate(), "one commit per request")
	}
	rows := []benchRow{group, single}
	if group.err != nil {
		return rows, group.err
	}
	return rows, single.err
}

func (b *bench) allocateRow(ctx context.Context, noGroup bool) benchRow {
	mode := "group commit"
	if noGroup {
		mode = "one commit per request"
	}
	name := fmt.Sprintf("HTTP POST /allocate, %s, %d clients", mode, b.opts.clients)
	dir := "allocate-" + strings.ReplaceAll(mode, " ", "-")
	base, client, stopSystem, err := b.startSystem(ctx, dir, func(c *Config) { c.NoGroupCommit = noGroup })
	if err != nil {
		return benchRow{phase: "allocate", name: name, err: err}
	}
	defer stopSystem()
	for i := 0; i < allocateSKUs; i++ {
		body := fmt.Sprintf(`{"ref":"bench-%d","sku":"BENCH-%d","qty":10000000,"eta":null}`, i, i)
		if err := postWant(ctx, client, base+"/add_batch", body, http.StatusCreated); err != nil {
			return benchRow{phase: "allocate", name: name, err: err}
		}
	}
	var seq atomic.Int64
	res := closedLoop(ctx, b.opts.clients, b.opts.duration, b.opts.timeout, func(ctx context.Context) error {
		n := seq.Add(1)
		body := fmt.Sprintf(`{"orderid":"bench-order-%d","sku":"BENCH-%d","qty":1}`, n, n%allocateSKUs)
		return postWant(ctx, client, base+"/allocate", body, http.StatusAccepted)
	})
	return res.row("allocate", name)
}

// postWant sends a JSON body and wants the given status.
func postWant(ctx context.Context, c *http.Client, url, body string, want int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s: %s: %s", req.URL.Path, resp.Status, strings.TrimSpace(string(got)))
	}
	return nil
}
