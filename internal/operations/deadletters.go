// Package operations serves the operator's HTTP API over the toolkit:
// dead letters (list, show, redrive, purge) and subscription status.
package operations

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/foundation/web"
)

// DeadLetters serves /v1/deadletters.
type DeadLetters struct {
	Store event.DeadLetterStore
	// Consumers by subscription name: the ones running in this process,
	// which can redrive their own dead letters.
	Consumers map[string]*event.Consumer
	// Redrivers by subscription name: other subscriptions running in this
	// process (such as the Redis channels), consulted when Consumers has
	// no entry for a dead letter's subscription.
	Redrivers map[string]Redriver
	Log       *slog.Logger
}

// Redriver hands a dead letter of its subscription to the handler again:
// on success it deletes the dead letter, on failure it keeps it with the
// new reason and one more attempt (as event.Consumer.Redrive does).
type Redriver interface {
	Redrive(ctx context.Context, dl event.DeadLetter) error
}

// Reporter is a redriver that shows in the list of subscriptions.
type Reporter interface {
	Status() (running bool, stats event.ConsumerStats, source string)
}

// redriver finds the redriver of a subscription running in this process.
func (d DeadLetters) redriver(subscription string) (Redriver, bool) {
	if c, ok := d.Consumers[subscription]; ok {
		return c, true
	}
	r, ok := d.Redrivers[subscription]
	return r, ok
}

// Register adds the routes to mux.
func (d DeadLetters) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/deadletters", d.list)
	mux.HandleFunc("GET /v1/deadletters/{id}", d.show)
	mux.HandleFunc("POST /v1/deadletters/{id}/redrive", d.redrive)
	mux.HandleFunc("DELETE /v1/deadletters/{id}", d.purge)
	mux.HandleFunc("GET /v1/subscriptions", d.subscriptions)
}

// View is a dead letter as the API shows it: the message itself as JSON
// when it is JSON, else as text.
type View struct {
	event.DeadLetter
	Message json.RawMessage `json:"message,omitempty"`
	Raw     string          `json:"raw,omitempty"`
}

func viewOf(dl event.DeadLetter) View {
	v := View{DeadLetter: dl}
	if json.Valid(dl.Payload) {
		v.Message = dl.Payload
	} else {
		v.Raw = string(dl.Payload)
	}
	return v
}

func (d DeadLetters) list(w http.ResponseWriter, r *http.Request) {
	if err := web.Params(r, "subscription", "limit"); err != nil {
		d.fail(w, r, err)
		return
	}
	limit := 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			d.fail(w, r, web.Invalid(web.FieldError{Field: "limit", Reason: "want a number from 1 to 1000"}))
			return
		}
		limit = n
	}
	dls, err := d.Store.DeadLetters(r.Context(), r.URL.Query().Get("subscription"), limit)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	items := make([]View, len(dls))
	for i, dl := range dls {
		items[i] = viewOf(dl)
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items, "count": len(items)})
}

func (d DeadLetters) show(w http.ResponseWriter, r *http.Request) {
	dl, err := d.Store.DeadLetter(r.Context(), r.PathValue("id"))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, viewOf(dl))
}

func (d DeadLetters) redrive(w http.ResponseWriter, r *http.Request) {
	if err := web.NoBody(w, r); err != nil {
		d.fail(w, r, err)
		return
	}
	dl, err := d.Store.DeadLetter(r.Context(), r.PathValue("id"))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	c, ok := d.redriver(dl.Subscription)
	if !ok {
		d.fail(w, r, web.NewProblem(http.StatusConflict,
			"subscription "+dl.Subscription+" does not run in this process; redrive it where it runs"))
		return
	}
	if err := c.Redrive(r.Context(), dl); err != nil {
		d.fail(w, r, web.NewProblem(http.StatusConflict, "redrive failed, dead letter kept: "+err.Error()))
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"id": dl.ID, "redriven": true})
}

func (d DeadLetters) purge(w http.ResponseWriter, r *http.Request) {
	if err := d.Store.DeleteDeadLetter(r.Context(), r.PathValue("id")); err != nil {
		d.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type subscriptionView struct {
	Name    string              `json:"name"`
	Types   []string            `json:"types"`
	Source  string              `json:"source,omitempty"` // where a subscription not on the broker takes its messages
	Running bool                `json:"running"`
	Stats   event.ConsumerStats `json:"stats"`
}

func (d DeadLetters) subscriptions(w http.ResponseWriter, r *http.Request) {
	if err := web.Params(r); err != nil {
		d.fail(w, r, err)
		return
	}
	out := []subscriptionView{}
	for name, c := range d.Consumers {
		out = append(out, subscriptionView{Name: name, Types: c.Types(), Running: c.Running(), Stats: c.Stats()})
	}
	for name, r := range d.Redrivers {
		if rep, ok := r.(Reporter); ok {
			running, stats, source := rep.Status()
			out = append(out, subscriptionView{Name: name, Types: []string{}, Source: source, Running: running, Stats: stats})
		}
	}
	slices.SortFunc(out, func(a, b subscriptionView) int { return strings.Compare(a.Name, b.Name) })
	web.JSON(w, http.StatusOK, map[string]any{"items": out})
}

func (d DeadLetters) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, d.Log, err, func(err error) *web.Problem {
		if errors.Is(err, event.ErrNotFound) {
			return web.NewProblem(http.StatusNotFound, err.Error())
		}
		return nil
	})
}
