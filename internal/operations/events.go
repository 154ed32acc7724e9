package operations

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/foundation/web"
)

// Events serves the event log read-only: GET /v1/events, GET
// /v1/streams/{id} and an order's timeline across services.
type Events struct {
	Log event.LogReader
	Out *slog.Logger
}

// Register adds the routes to mux.
func (e Events) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/events", e.events)
	mux.HandleFunc("GET /v1/streams/{id...}", e.stream)
	mux.HandleFunc("GET /v1/orders/{id}/timeline", e.timeline)
}

func (e Events) events(w http.ResponseWriter, r *http.Request) {
	q, err := logQuery(r)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	items, err := e.Log.QueryLog(r.Context(), q)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	e.page(w, items, q.After)
}

// logQuery reads after, type, correlationId and limit, naming what is wrong.
func logQuery(r *http.Request) (event.LogQuery, error) {
	if err := web.Params(r, "type", "correlationId", "after", "limit"); err != nil {
		return event.LogQuery{}, err
	}
	v := r.URL.Query()
	q := event.LogQuery{Type: v.Get("type"), CorrelationID: v.Get("correlationId"), Limit: 100}
	var bad web.Fields
	if s := v.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			bad.Add("after", "want a log position: a number ≥ 0")
		}
		q.After = n
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			bad.Add("limit", "want a number from 1 to 1000")
		}
		q.Limit = n
	}
	return q, bad.Err()
}

func (e Events) page(w http.ResponseWriter, items []event.Envelope, after int64) {
	next := after
	if len(items) > 0 {
		next = items[len(items)-1].Position
	}
	if items == nil {
		items = []event.Envelope{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items, "count": len(items), "next": next})
}

func (e Events) stream(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	items, err := e.Log.QueryLog(r.Context(), event.LogQuery{Stream: id, Limit: 1000})
	if err != nil {
		e.fail(w, r, err)
		return
	}
	if len(items) == 0 {
		e.fail(w, r, web.NewProblem(http.StatusNotFound, "no stream "+id))
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"stream": id, "version": items[len(items)-1].Version, "events": items})
}

// timeline is every event an order caused, in every service, in log order
// (which is causal order: a cause commits before its effects): the events
// that share the correlation id of the order's OrderPlaced. That event is
// found in the order's stream (ordering/order-<id>, an index lookup): by
// type and subject, the engine walked every OrderPlaced ever logged.
func (e Events) timeline(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	stream, err := e.Log.QueryLog(r.Context(), event.LogQuery{Stream: "ordering/order-" + id, Limit: 100})
	if err != nil {
		e.fail(w, r, err)
		return
	}
	correlation, found := "", false
	for _, env := range stream {
		if env.Type == "OrderPlaced" {
			correlation, found = env.CorrelationID, true
			break
		}
	}
	if !found {
		e.fail(w, r, web.NewProblem(http.StatusNotFound, "no events for order "+id))
		return
	}
	items, err := e.Log.QueryLog(r.Context(), event.LogQuery{CorrelationID: correlation, Limit: 1000})
	if err != nil {
		e.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"orderId": id, "correlationId": correlation, "events": items})
}

func (e Events) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, e.Out, err)
}
