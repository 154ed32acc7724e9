// Package ports exposes purchasing over HTTP: reorder points per SKU, and
// the purchase orders to find and receive.
package ports

import (
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scm/purchasing/adapters"
	"github.com/banchan/banchan/internal/scm/purchasing/app"
	"github.com/banchan/banchan/internal/scm/purchasing/domain"
	"github.com/banchan/banchan/internal/scm/scmweb"
)

// HTTP serves the purchasing API.
type HTTP struct {
	App *app.App
	Log *slog.Logger
}

// Register adds the routes to mux.
func (h HTTP) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/purchasing/reorder-points/{sku}", h.getReorderPoint)
	mux.HandleFunc("PUT /v1/purchasing/reorder-points/{sku}", h.putReorderPoint)
	mux.HandleFunc("GET /v1/purchasing/orders", h.list)
	mux.HandleFunc("GET /v1/purchasing/orders/{id}", h.get)
	mux.HandleFunc("POST /v1/purchasing/orders/{id}/receive", h.receive)
}

func (h HTTP) sku(w http.ResponseWriter, r *http.Request) (string, bool) {
	sku := r.PathValue("sku")
	if !domain.ValidSKU(sku) {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "sku", Reason: "1-64 letters, digits or ._-"}))
		return "", false
	}
	return sku, true
}

func (h HTTP) getReorderPoint(w http.ResponseWriter, r *http.Request) {
	sku, ok := h.sku(w, r)
	if !ok {
		return
	}
	rp, err := h.App.ReorderPoint(r.Context(), sku)
	h.answer(w, r, rp, err)
}

// putReorderPoint sets {"reorderPoint":N,"reorderQty":M} (both required;
// N 0 disables): 200 with it; 422 for bad values.
func (h HTTP) putReorderPoint(w http.ResponseWriter, r *http.Request) {
	sku, ok := h.sku(w, r)
	if !ok {
		return
	}
	var req struct {
		Point *int `json:"reorderPoint"`
		Qty   *int `json:"reorderQty"`
	}
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	var fields web.Fields
	if req.Point == nil {
		fields.Add("reorderPoint", "required")
	}
	if req.Qty == nil {
		fields.Add("reorderQty", "required")
	}
	if err := fields.Err(); err != nil {
		h.fail(w, r, err)
		return
	}
	rp := domain.ReorderPoint{SKU: sku, Point: *req.Point, Qty: *req.Qty}
	for _, p := range rp.Check() {
		fields.Add(p.Field, p.Reason)
	}
	if err := fields.Err(); err != nil {
		h.fail(w, r, err)
		return
	}
	rp, err := h.App.SetReorderPoint(r.Context(), rp)
	h.answer(w, r, rp, err)
}

func (h HTTP) list(w http.ResponseWriter, r *http.Request) {
	if err := web.Params(r, "sku", "status"); err != nil {
		h.fail(w, r, err)
		return
	}
	f := adapters.Filter{SKU: r.URL.Query().Get("sku"), Status: r.URL.Query().Get("status")}
	if f.Status != "" && !domain.ValidStatus(f.Status) {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "status", Reason: "one of OPEN, RECEIVED"}))
		return
	}
	pos, err := h.App.Orders(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if pos == nil {
		pos = []domain.PurchaseOrder{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": pos})
}

func (h HTTP) get(w http.ResponseWriter, r *http.Request) {
	po, err := h.App.Order(r.Context(), r.PathValue("id"))
	h.answer(w, r, po, err)
}

// receive takes the order's stock in; the body is optional ({"qty":N}, or
// {"quantity":N}; default what was ordered): 200 with the order; 404
// unknown; 409 when received already; 422 for a bad qty.
func (h HTTP) receive(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Qty      *int `json:"qty"`
		Quantity *int `json:"quantity"`
	}
	if r.ContentLength != 0 {
		if err := web.Decode(w, r, &req); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if req.Qty == nil {
		req.Qty = req.Quantity
	}
	qty := 0
	if req.Qty != nil {
		if *req.Qty < 1 || *req.Qty > domain.MaxQty {
			h.fail(w, r, web.Invalid(web.FieldError{Field: "qty", Reason: "must be between 1 and 10000000"}))
			return
		}
		qty = *req.Qty
	}
	po, err := h.App.Receive(r.Context(), r.PathValue("id"), qty)
	h.answer(w, r, po, err)
}

func (h HTTP) answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	scmweb.Respond(w, r, h.Log, v, err)
}

func (h HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, h.Log, err, scmweb.MapError)
}
