// Package ports exposes inventory over HTTP and binds its command handlers.
package ports

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/app"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// HTTP serves the inventory API.
type HTTP struct {
	App *app.App
	Log *slog.Logger
}

// Register adds the routes to mux.
func (h HTTP) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/batches", h.addBatch)
	mux.HandleFunc("GET /v1/batches", h.listBatches)
	mux.HandleFunc("GET /v1/batches/{ref}", h.getBatch)
	mux.HandleFunc("GET /v1/skus/{sku}", h.getSKU)
}

type batchView struct {
	domain.Batch
	ETA       *string `json:"eta"`
	Available int     `json:"available"`
}

func view(b domain.Batch) batchView {
	v := batchView{Batch: b, Available: b.Available()}
	if b.ETA != "" {
		eta := b.ETA
		v.ETA = &eta
	}
	return v
}

func (h HTTP) addBatch(w http.ResponseWriter, r *http.Request) {
	var req app.AddBatch
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := h.App.AddBatch(r.Context(), req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/batches/"+b.Ref)
	web.JSON(w, http.StatusCreated, view(b))
}

func (h HTTP) getBatch(w http.ResponseWriter, r *http.Request) {
	b, err := h.App.Batch(r.Context(), r.PathValue("ref"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, view(b))
}

func (h HTTP) listBatches(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Query().Get("sku")
	if sku == "" {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "sku", Reason: "query parameter required"}))
		return
	}
	bs, err := h.App.Batches(r.Context(), sku)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]batchView, len(bs))
	for i, b := range bs {
		out[i] = view(b)
	}
	web.JSON(w, http.StatusOK, map[string]any{"sku": sku, "batches": out})
}

// getSKU is the catalog query: 200 when the SKU has stock records, else 404.
func (h HTTP) getSKU(w http.ResponseWriter, r *http.Request) {
	sku := r.PathValue("sku")
	bs, err := h.App.Batches(r.Context(), sku)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(bs) == 0 {
		h.fail(w, r, web.NewProblem(http.StatusNotFound, "unknown SKU "+sku))
		return
	}
	available := 0
	for _, b := range bs {
		available += b.Available()
	}
	web.JSON(w, http.StatusOK, map[string]any{"sku": sku, "available": available, "batches": len(bs)})
}

func (h HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, h.Log, err, func(err error) *web.Problem {
		switch {
		case errors.Is(err, domain.ErrInvalid):
			return web.NewProblem(http.StatusUnprocessableEntity, err.Error())
		case errors.Is(err, adapters.ErrDuplicateBatch):
			return web.NewProblem(http.StatusConflict, err.Error())
		case errors.Is(err, adapters.ErrNotFound):
			return web.NewProblem(http.StatusNotFound, err.Error())
		}
		return nil
	})
}

// Bind registers the inventory command handlers, each inbox-backed.
func Bind(c *event.Consumer, store event.Store, a *app.App) {
	c.Handle(contract.TypeAllocateFulfilmentOrder,
		event.WithInbox(store, c.Name(), event.Typed(a.AllocateFulfilmentOrder)))
}
