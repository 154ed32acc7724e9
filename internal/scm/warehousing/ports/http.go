// Package ports exposes the warehouse over HTTP: inbound receipts, and the
// shipments to find, pick up and pack.
package ports

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scm/scmweb"
	"github.com/banchan/banchan/internal/scm/warehousing/adapters"
	"github.com/banchan/banchan/internal/scm/warehousing/app"
	"github.com/banchan/banchan/internal/scm/warehousing/domain"
)

// HTTP serves the warehouse API.
type HTTP struct {
	App *app.App
	Log *slog.Logger
}

// Register adds the routes to mux.
func (h HTTP) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/warehouse/receipts", h.receive)
	mux.HandleFunc("GET /v1/warehouse/shipments", h.list)
	mux.HandleFunc("GET /v1/warehouse/shipments/{id}", h.get)
	mux.HandleFunc("POST /v1/warehouse/shipments/{id}/pick", h.step(h.App.Pick))
	mux.HandleFunc("POST /v1/warehouse/shipments/{id}/pack", h.step(h.App.Pack))
}

// receive takes stock in: 201 with the receipt and the batch; 422 for bad
// input; 409 when the batch holds another SKU.
func (h HTTP) receive(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Ref string `json:"ref"`
		SKU string `json:"sku"`
		Qty *int   `json:"qty"`
	}
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	var fields web.Fields
	qty := 0
	if req.Qty == nil {
		fields.Add("qty", "required")
	} else {
		qty = *req.Qty
	}
	for _, p := range (domain.Receipt{Ref: req.Ref, SKU: req.SKU, Qty: qty}).Check() {
		if p.Field != "qty" || req.Qty != nil {
			fields.Add(p.Field, p.Reason)
		}
	}
	if err := fields.Err(); err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.App.Receive(r.Context(), req.Ref, req.SKU, qty)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/batches/"+out.Batch.Ref)
	web.JSON(w, http.StatusCreated, out)
}

func (h HTTP) list(w http.ResponseWriter, r *http.Request) {
	if err := web.Params(r, "orderId", "status"); err != nil {
		h.fail(w, r, err)
		return
	}
	f := adapters.Filter{OrderID: r.URL.Query().Get("orderId"), Status: r.URL.Query().Get("status")}
	if f.Status != "" && !domain.ValidStatus(f.Status) {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "status",
			Reason: "one of AWAITING_PICK, ON_HOLD, PICKED_UP, PACKED, SHIPPED, CANCELLED"}))
		return
	}
	ss, err := h.App.Shipments(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ss == nil {
		ss = []domain.Shipment{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": ss})
}

func (h HTTP) get(w http.ResponseWriter, r *http.Request) {
	s, err := h.App.Shipment(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, s)
}

// step answers a shipment step with the shipment (200), 404 for an unknown
// one and 409 when its status does not allow the step.
func (h HTTP) step(do func(context.Context, string) (domain.Shipment, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := web.NoBody(w, r); err != nil {
			h.fail(w, r, err)
			return
		}
		s, err := do(r.Context(), r.PathValue("id"))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, s)
	}
}

func (h HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, h.Log, err, scmweb.MapError)
}
