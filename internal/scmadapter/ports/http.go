// Package ports serves the SCM adapter's operator API: the SKU mapping
// table that says how each SKU appears in the SCM.
package ports

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scmadapter/adapters"
)

// HTTP serves /v1/sku-mappings.
type HTTP struct {
	Store    event.Store
	Mappings adapters.Mappings
	Log      *slog.Logger
}

var codeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Register adds the routes to mux.
func (h HTTP) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/sku-mappings", h.list)
	mux.HandleFunc("GET /v1/sku-mappings/{sku}", h.show)
	mux.HandleFunc("PUT /v1/sku-mappings/{sku}", h.put)
	mux.HandleFunc("DELETE /v1/sku-mappings/{sku}", h.delete)
}

type mappingBody struct {
	ItemCode string `json:"itemCode"`
	// Physical defaults to true; false means the SCM never sees the SKU
	// (gift cards, vouchers).
	Physical *bool `json:"physical"`
}

func (h HTTP) put(w http.ResponseWriter, r *http.Request) {
	sku := r.PathValue("sku")
	var b mappingBody
	if err := web.Decode(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	var bad web.Fields
	if !codeRe.MatchString(sku) {
		bad.Add("sku", "want 1 to 64 letters, digits, '.', '_' or '-'")
	}
	if !codeRe.MatchString(b.ItemCode) {
		bad.Add("itemCode", "required: 1 to 64 letters, digits, '.', '_' or '-'")
	}
	if err := bad.Err(); err != nil {
		h.fail(w, r, err)
		return
	}
	m := adapters.Mapping{SKU: sku, ItemCode: b.ItemCode, Physical: b.Physical == nil || *b.Physical}
	err := h.Store.Update(r.Context(), func(ctx context.Context, tx event.Tx) error { return h.Mappings.Put(ctx, tx, m) })
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, m)
}

func (h HTTP) show(w http.ResponseWriter, r *http.Request) {
	m, ok, err := h.Mappings.Lookup(r.Context(), h.Store.Read(), r.PathValue("sku"))
	if err == nil && !ok {
		err = web.NewProblem(http.StatusNotFound, "no mapping for SKU "+r.PathValue("sku")+
			" (it maps to the SCM item of the same code, unless it is a gift card)")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, m)
}

func (h HTTP) delete(w http.ResponseWriter, r *http.Request) {
	err := h.Store.Update(r.Context(), func(ctx context.Context, tx event.Tx) error {
		return h.Mappings.Delete(ctx, tx, r.PathValue("sku"))
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h HTTP) list(w http.ResponseWriter, r *http.Request) {
	if err := web.Params(r, "after", "limit"); err != nil {
		h.fail(w, r, err)
		return
	}
	limit := 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			h.fail(w, r, web.Invalid(web.FieldError{Field: "limit", Reason: "want a number from 1 to 1000"}))
			return
		}
		limit = n
	}
	items, err := h.Mappings.List(r.Context(), h.Store.Read(), r.URL.Query().Get("after"), limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	next := ""
	if len(items) == limit {
		next = items[len(items)-1].SKU
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items, "count": len(items), "next": next})
}

func (h HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, h.Log, err, func(err error) *web.Problem {
		if errors.Is(err, event.ErrNotFound) {
			return web.NewProblem(http.StatusNotFound, "no mapping for SKU "+r.PathValue("sku"))
		}
		return nil
	})
}
