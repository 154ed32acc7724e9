package ports

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scm/inventory/app"
)

// The Cosmic Python book's API (chapter 11's allocation service), at the
// root paths its end-to-end tests and clients use. Errors are the book's
// {"message": ...}; see cosmicFail for the status.
func (h HTTP) registerCosmic(mux *http.ServeMux) {
	mux.HandleFunc("POST /add_batch", h.cosmicAddBatch)
	mux.HandleFunc("POST /allocate", h.cosmicAllocate)
	mux.HandleFunc("GET /allocations/{orderid}", h.cosmicAllocations)
	// Any other method on these paths: the book's body too.
	for path, allow := range map[string]string{"/add_batch": "POST", "/allocate": "POST", "/allocations/{orderid}": "GET, HEAD"} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			cosmicMessage(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
		})
	}
}

func ok(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("OK"))
}

// cosmicFail answers err the way the book's Flask app does, so that its
// tests and clients read it unchanged: exactly {"message": ...} as
// application/json, and 400 for every refusal of the request itself. A
// write that lost every retry (409), a body too large (413) or of the
// wrong type (415) and a server fault (500) keep their status.
func (h HTTP) cosmicFail(w http.ResponseWriter, r *http.Request, err error) {
	p := web.ProblemOf(r, h.Log, err, mapError)
	status := p.Status
	switch status {
	case http.StatusUnprocessableEntity, http.StatusNotFound:
		status = http.StatusBadRequest
	case http.StatusConflict:
		if !errors.Is(err, event.ErrConcurrency) {
			status = http.StatusBadRequest
		}
	}
	cosmicMessage(w, status, cmp.Or(p.Message, p.Detail))
}

// cosmicMessage writes the book's error body.
func cosmicMessage(w http.ResponseWriter, status int, message string) {
	web.JSON(w, status, map[string]string{"message": message})
}

func (h HTTP) cosmicAddBatch(w http.ResponseWriter, r *http.Request) {
	req, err := decodeBatch(w, r)
	if err != nil {
		h.cosmicFail(w, r, err)
		return
	}
	if _, err := h.App.AddBatch(r.Context(), req); err != nil {
		h.cosmicFail(w, r, err)
		return
	}
	ok(w, http.StatusCreated)
}

func (h HTTP) cosmicAllocate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OrderID string `json:"orderid"`
		SKU     string `json:"sku"`
		Qty     *int   `json:"qty"`
	}
	if err := web.Decode(w, r, &req); err != nil {
		h.cosmicFail(w, r, err)
		return
	}
	if req.Qty == nil {
		h.cosmicFail(w, r, web.Invalid(web.FieldError{Field: "qty", Reason: "required"}))
		return
	}
	_, err := h.App.Allocate(r.Context(), app.Allocate{OrderID: req.OrderID, SKU: req.SKU, Qty: *req.Qty})
	if errors.Is(err, app.ErrUnknownSKU) {
		cosmicMessage(w, http.StatusBadRequest, "Invalid sku "+req.SKU)
		return
	}
	if err != nil {
		h.cosmicFail(w, r, err)
		return
	}
	ok(w, http.StatusAccepted)
}

func (h HTTP) cosmicAllocations(w http.ResponseWriter, r *http.Request) {
	lines, err := h.App.AllocationsOf(r.Context(), r.PathValue("orderid"))
	if err != nil {
		h.cosmicFail(w, r, err)
		return
	}
	if len(lines) == 0 {
		cosmicMessage(w, http.StatusNotFound, "not found")
		return
	}
	out := make([]map[string]string, len(lines))
	for i, l := range lines {
		out[i] = map[string]string{"sku": l.SKU, "batchref": l.BatchRef}
	}
	web.JSON(w, http.StatusOK, out)
}
