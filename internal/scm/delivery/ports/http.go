// Package ports exposes delivery over HTTP: deliveries to find, ship with
// a carrier and mark delivered.
package ports

import (
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scm/delivery/adapters"
	"github.com/banchan/banchan/internal/scm/delivery/app"
	"github.com/banchan/banchan/internal/scm/delivery/domain"
	"github.com/banchan/banchan/internal/scm/scmweb"
)

// HTTP serves the delivery API.
type HTTP struct {
	App *app.App
	Log *slog.Logger
}

// Register adds the routes to mux.
func (h HTTP) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/deliveries", h.list)
	mux.HandleFunc("GET /v1/deliveries/{id}", h.get)
	mux.HandleFunc("POST /v1/deliveries/{id}/ship", h.ship)
	mux.HandleFunc("POST /v1/deliveries/{id}/deliver", h.deliver)
}

func (h HTTP) list(w http.ResponseWriter, r *http.Request) {
	if err := web.Params(r, "orderId", "status"); err != nil {
		h.fail(w, r, err)
		return
	}
	f := adapters.Filter{OrderID: r.URL.Query().Get("orderId"), Status: r.URL.Query().Get("status")}
	if f.Status != "" && !domain.ValidStatus(f.Status) {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "status", Reason: "one of READY, SHIPPED, DELIVERED, CANCELLED"}))
		return
	}
	ds, err := h.App.Deliveries(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ds == nil {
		ds = []domain.Delivery{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": ds})
}

func (h HTTP) get(w http.ResponseWriter, r *http.Request) {
	d, err := h.App.Delivery(r.Context(), r.PathValue("id"))
	h.answer(w, r, d, err)
}

// ship hands the delivery to a carrier: 200 with the delivery; 422 without
// carrier or tracking number; 404 unknown; 409 when not READY.
func (h HTTP) ship(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Carrier        string `json:"carrier"`
		TrackingNumber string `json:"trackingNumber"`
	}
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	var fields web.Fields
	for _, p := range domain.CheckShip(req.Carrier, req.TrackingNumber) {
		fields.Add(p.Field, p.Reason)
	}
	if err := fields.Err(); err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.App.Ship(r.Context(), r.PathValue("id"), req.Carrier, req.TrackingNumber)
	h.answer(w, r, d, err)
}

// deliver: 200 with the delivery; 404 unknown; 409 when not SHIPPED.
func (h HTTP) deliver(w http.ResponseWriter, r *http.Request) {
	if err := web.NoBody(w, r); err != nil {
		h.answer(w, r, domain.Delivery{}, err)
		return
	}
	d, err := h.App.Deliver(r.Context(), r.PathValue("id"))
	h.answer(w, r, d, err)
}

func (h HTTP) answer(w http.ResponseWriter, r *http.Request, d domain.Delivery, err error) {
	scmweb.Respond(w, r, h.Log, d, err)
}

func (h HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, h.Log, err, scmweb.MapError)
}
