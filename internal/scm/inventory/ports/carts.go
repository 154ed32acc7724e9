package ports

import (
	"net/http"
	"time"

	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
)

func (h HTTP) registerCarts(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/carts/{cartId}/items", h.reserve)
	mux.HandleFunc("GET /v1/carts/{cartId}", h.getCart)
	mux.HandleFunc("DELETE /v1/carts/{cartId}/items/{sku}", h.release)
	mux.HandleFunc("DELETE /v1/carts/{cartId}", h.releaseCart)
}

func (h HTTP) cartID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("cartId")
	if !idRe.MatchString(id) {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "cartId", Reason: "1-128 letters, digits or ._:@-"}))
		return "", false
	}
	return id, true
}

// reserve holds stock for a cart (201); a second reservation of the same
// SKU replaces the first. Without stock: 409, nothing changes.
func (h HTTP) reserve(w http.ResponseWriter, r *http.Request) {
	cart, ok := h.cartID(w, r)
	if !ok {
		return
	}
	var req struct {
		SKU string `json:"sku"`
		Qty *int   `json:"qty"`
	}
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if req.Qty == nil {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "qty", Reason: "required"}))
		return
	}
	a, err := h.App.Reserve(r.Context(), cart, req.SKU, *req.Qty)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, map[string]any{"cartId": cart, "sku": a.SKU, "qty": a.Qty,
		"batchRef": a.BatchRef, "expiresAt": a.Until.UTC().Format(time.RFC3339Nano)})
}

func (h HTTP) getCart(w http.ResponseWriter, r *http.Request) {
	cart, ok := h.cartID(w, r)
	if !ok {
		return
	}
	items, err := h.App.Cart(r.Context(), cart)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if items == nil {
		items = []adapters.Reservation{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"cartId": cart, "items": items})
}

func (h HTTP) release(w http.ResponseWriter, r *http.Request) {
	cart, ok := h.cartID(w, r)
	if !ok {
		return
	}
	released, err := h.App.Release(r.Context(), cart, r.PathValue("sku"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !released {
		h.fail(w, r, web.NewProblem(http.StatusNotFound, "cart "+cart+" holds no "+r.PathValue("sku")))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// releaseCart ends all of a cart's reservations at once (204, also when
// it holds none).
func (h HTTP) releaseCart(w http.ResponseWriter, r *http.Request) {
	cart, ok := h.cartID(w, r)
	if !ok {
		return
	}
	if _, err := h.App.ReleaseCart(r.Context(), cart); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
