// Package ports serves the sales read models over HTTP.
package ports

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/sales/adapters"
	"github.com/banchan/banchan/internal/sales/domain"
)

// HTTP serves GET /v1/sales and the customer counts.
type HTTP struct {
	DB  event.Querier
	Log *slog.Logger
}

// Register adds the routes to mux.
func (h HTTP) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/sales", h.sales)
	mux.HandleFunc("GET /v1/sales/customers", h.topCustomers)
	mux.HandleFunc("GET /v1/sales/customers/{id}", h.customer)
}

// report is GET /v1/sales. It carries nothing but figures and the query,
// so that equal read models give equal bodies.
type report struct {
	Granularity domain.Granularity `json:"granularity"`
	TZ          string             `json:"tz"`
	SKU         string             `json:"sku,omitempty"`
	From        *time.Time         `json:"from,omitempty"`
	To          *time.Time         `json:"to,omitempty"`
	Buckets     []domain.Bucket    `json:"buckets"`
	Total       domain.Figures     `json:"total"`
}

func (h HTTP) sales(w http.ResponseWriter, r *http.Request) {
	q, rep, err := salesQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows, err := adapters.Hours(r.Context(), h.DB, q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	loc, _ := time.LoadLocation(rep.TZ)
	if rep.Buckets, err = domain.Group(rows, rep.Granularity, loc, q.SKU); err != nil {
		h.fail(w, r, err)
		return
	}
	rep.Total = domain.Total(rep.Buckets)
	web.JSON(w, http.StatusOK, rep)
}

// salesQuery reads granularity, tz, from, to and sku, naming what is wrong.
func salesQuery(r *http.Request) (adapters.SalesQuery, report, error) {
	if err := web.Params(r, "granularity", "tz", "from", "to", "sku"); err != nil {
		return adapters.SalesQuery{}, report{}, err
	}
	v := r.URL.Query()
	rep := report{Granularity: domain.Granularity(v.Get("granularity")), TZ: v.Get("tz"), SKU: v.Get("sku")}
	var bad web.Fields
	switch rep.Granularity {
	case "":
		rep.Granularity = domain.ByDay
	case domain.ByHour, domain.ByDay:
	default:
		bad.Add("granularity", "want hour or day")
	}
	if rep.TZ == "" {
		rep.TZ = "UTC"
	}
	loc, err := time.LoadLocation(rep.TZ)
	if err != nil {
		bad.Add("tz", "want an IANA time zone such as UTC or Asia/Seoul")
		loc = time.UTC
	} else if _, off := time.Now().In(loc).Zone(); off%3600 != 0 {
		bad.Add("tz", "figures are kept per hour: want a zone whose offset is whole hours")
	}
	q := adapters.SalesQuery{SKU: rep.SKU}
	q.From, rep.From = bound(&bad, "from", v.Get("from"), loc)
	q.To, rep.To = bound(&bad, "to", v.Get("to"), loc)
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		bad.Add("to", "must be after from")
	}
	return q, rep, bad.Err()
}

// bound parses an RFC 3339 time or a date (midnight in loc).
func bound(bad *web.Fields, field, s string, loc *time.Location) (time.Time, *time.Time) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.ParseInLocation(time.DateOnly, s, loc); err != nil {
			bad.Add(field, "want an RFC 3339 time (2026-12-01T09:00:00Z) or a date (2026-12-01)")
			return time.Time{}, nil
		}
	}
	return t, &t
}

func (h HTTP) customer(w http.ResponseWriter, r *http.Request) {
	c, err := adapters.FindCustomer(r.Context(), h.DB, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}

func (h HTTP) topCustomers(w http.ResponseWriter, r *http.Request) {
	if err := web.Params(r, "limit"); err != nil {
		h.fail(w, r, err)
		return
	}
	limit := 20
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			h.fail(w, r, web.Invalid(web.FieldError{Field: "limit", Reason: "want a number from 1 to 1000"}))
			return
		}
		limit = n
	}
	cs, err := adapters.TopCustomers(r.Context(), h.DB, limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": cs, "count": len(cs)})
}

func (h HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, h.Log, err, func(err error) *web.Problem {
		switch {
		case errors.Is(err, event.ErrNotFound):
			return web.NewProblem(http.StatusNotFound, err.Error())
		case errors.Is(err, domain.ErrZone):
			return web.Invalid(web.FieldError{Field: "tz", Reason: err.Error()})
		}
		return nil
	})
}
