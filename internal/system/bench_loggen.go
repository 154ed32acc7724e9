package system

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/sqlstore"
	ordering "github.com/banchan/banchan/internal/ordering/contract"
)

// orderChain is the event types one order leaves in the log, across
// services; the first is ordering's OrderPlaced.
var orderChain = []struct{ topic, typ, source string }{
	{ordering.Topic, ordering.TypeOrderPlaced, ordering.Source},
	{"scm-commands", "AllocateFulfilmentOrder", "/banchan/scm-adapter"},
	{"scm", "FulfilmentAllocated", "/banchan/scm"},
	{"scm", "LineAllocated", "/banchan/scm"},
	{ordering.Topic, "OrderAllocated", "/banchan/scm-adapter"},
}

// generateLog fills an empty store's log with n envelopes shaped like real
// traffic: orders of one to three lines over 50 SKUs and 2,000 customers,
// spread over 30 days, each followed by the rest of its chain, and one
// order in twenty cancelled. Rows go in with multi-row INSERTs, many to a
// transaction: the generator measures nothing, it only has to be quick.
func generateLog(ctx context.Context, store *sqlstore.Store, n int) error {
	const perTx = 5000
	start := time.Now().UTC().Add(-30 * 24 * time.Hour).Truncate(time.Hour)
	gen := logGen{start: start, step: 30 * 24 * time.Hour / time.Duration(max(n/len(orderChain), 1))}
	for done := 0; done < n; {
		rows := gen.next(min(perTx, n-done))
		err := store.Update(ctx, func(ctx context.Context, tx event.Tx) error {
			return insertRows(ctx, tx, rows)
		})
		if err != nil {
			return fmt.Errorf("generate log: %w", err)
		}
		done += len(rows)
	}
	return nil
}

// logGen produces the envelopes of consecutive orders.
type logGen struct {
	start time.Time
	step  time.Duration
	order int
	link  int // position in the current order's chain
	lines []ordering.Line
	cust  string
}

func (g *logGen) next(n int) []event.Envelope {
	out := make([]event.Envelope, 0, n)
	for len(out) < n {
		out = append(out, g.envelope())
	}
	return out
}

func (g *logGen) envelope() event.Envelope {
	id := fmt.Sprintf("gen-%d", g.order)
	at := g.start.Add(time.Duration(g.order) * g.step)
	if g.link == 0 {
		g.cust = fmt.Sprintf("cust-%d", (g.order*7919)%2000)
		g.lines = g.lines[:0]
		for l := range 1 + g.order%3 {
			g.lines = append(g.lines, ordering.Line{SKU: fmt.Sprintf("SKU-%02d", (g.order+l*17)%50),
				Qty: 1 + (g.order+l)%4, UnitPrice: int64(3000 + 500*((g.order+l)%9))})
		}
	}
	link := orderChain[g.link]
	var data any = map[string]string{"orderId": id}
	switch {
	case g.link == 0:
		data = ordering.OrderPlaced{ID: id, CustomerID: g.cust, Lines: g.lines, PlacedAt: at}
	case g.link == len(orderChain)-1 && g.order%20 == 19:
		link = struct{ topic, typ, source string }{ordering.Topic, ordering.TypeOrderCancelled, ordering.Source}
		data = ordering.OrderCancelled{ID: id, CustomerID: g.cust, Lines: g.lines, CancelledAt: at.Add(time.Minute)}
	}
	body, _ := json.Marshal(data)
	env := event.Envelope{ID: event.NewID(), Topic: link.topic, Type: link.typ, Source: link.source,
		Subject: id, Time: at, Stream: "gen/order-" + id, Version: int64(g.link + 1), Data: body,
		CorrelationID: id, CausationID: id}
	if g.link++; g.link == len(orderChain) {
		g.link, g.order = 0, g.order+1
	}
	return env
}

// insertRows writes envelopes straight into the log table, 500 to a
// statement.
func insertRows(ctx context.Context, tx event.Tx, envs []event.Envelope) error {
	const perStmt = 500
	for len(envs) > 0 {
		chunk := envs[:min(perStmt, len(envs))]
		envs = envs[len(chunk):]
		var q strings.Builder
		q.WriteString(`INSERT INTO event_log (id, topic, stream, version, type, source, subject, time,
			correlation_id, causation_id, traceparent, data) VALUES `)
		args := make([]any, 0, len(chunk)*12)
		for i, e := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, e.ID, e.Topic, e.Stream, e.Version, e.Type, e.Source, e.Subject,
				e.Time.UTC().Format(time.RFC3339Nano), e.CorrelationID, e.CausationID, "", string(e.Data))
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}
