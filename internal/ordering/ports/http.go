// Package ports exposes the ordering application: its HTTP API and the
// event handlers it binds to its subscription.
package ports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/ordering/adapters"
	"github.com/banchan/banchan/internal/ordering/app"
	"github.com/banchan/banchan/internal/ordering/domain"
)

// HTTP serves the ordering API.
type HTTP struct {
	App *app.App
	Log *slog.Logger
}

// Register adds the routes to mux.
func (h HTTP) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/orders", h.placeOrder)
	mux.HandleFunc("GET /v1/orders/{id}", h.getOrder)
	mux.HandleFunc("POST /v1/orders/{id}/cancel", h.cancelOrder)
	mux.HandleFunc("GET /v1/customers/{id}", h.getCustomer)
	mux.HandleFunc("GET /v1/customers/{id}/orders", h.customerOrders)
}

func (h HTTP) placeOrder(w http.ResponseWriter, r *http.Request) {
	req, err := decodePlace(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "Idempotency-Key", Reason: "at most 255 characters"}))
		return
	}
	placed, err := h.App.PlaceOrder(r.Context(), app.PlaceOrder{Request: req, Key: key, RequestHash: hashOf(req)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/orders/"+placed.OrderID)
	w.Header().Set("Content-Type", "application/json")
	if placed.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(placed.Body)
}

// decodePlace reads an order request. A line's qty and unitPrice must be
// given; the price may be 0 (a free item), but a forgotten price must not
// become a free order.
func decodePlace(w http.ResponseWriter, r *http.Request) (domain.PlaceRequest, error) {
	var req domain.PlaceRequest
	body, err := web.ReadBody(w, r)
	if err != nil {
		return req, err
	}
	if err := web.DecodeBytes(body, &req); err != nil {
		return req, err
	}
	var given struct {
		Lines []struct {
			Qty       *json.RawMessage `json:"qty"`
			UnitPrice *json.RawMessage `json:"unitPrice"`
		} `json:"lines"`
	}
	if err := json.Unmarshal(body, &given); err != nil {
		return req, err // decoded above, so not expected
	}
	absent := func(v *json.RawMessage) bool { return v == nil || string(*v) == "null" }
	var missing web.Fields
	for i, l := range given.Lines {
		if absent(l.Qty) {
			missing.Add(fmt.Sprintf("lines[%d].qty", i), "required")
		}
		if absent(l.UnitPrice) {
			missing.Add(fmt.Sprintf("lines[%d].unitPrice", i), "required (0 for a free item)")
		}
	}
	return req, missing.Err()
}

// hashOf identifies a request by its decoded content, so that formatting
// differences do not make "the same body" different.
func hashOf(req domain.PlaceRequest) string {
	b, _ := json.Marshal(req)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (h HTTP) getOrder(w http.ResponseWriter, r *http.Request) {
	o, err := h.App.Order(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, o)
}

func (h HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, app.ErrCatalogUnavailable) {
		h.Log.Warn("order refused: SCM catalog unavailable", "err", err)
		w.Header().Set("Retry-After", "1")
	}
	web.WriteError(w, r, h.Log, err, mapError)
}

func mapError(err error) *web.Problem {
	var v domain.ValidationError
	var tooLate domain.TooLateError
	switch {
	case errors.As(err, &v):
		fields := make([]web.FieldError, len(v))
		for i, f := range v {
			fields[i] = web.FieldError{Field: f.Field, Reason: f.Reason}
		}
		return web.Invalid(fields...)
	case errors.Is(err, app.ErrIdempotencyMismatch):
		return web.Invalid(web.FieldError{Field: "Idempotency-Key", Reason: err.Error()})
	case errors.Is(err, adapters.ErrNotFound), errors.Is(err, app.ErrCustomerNotFound):
		return web.NewProblem(http.StatusNotFound, err.Error())
	case errors.As(err, &tooLate):
		return web.NewProblem(http.StatusConflict, tooLate.Error())
	case errors.Is(err, adapters.ErrBadCursor):
		return web.Invalid(web.FieldError{Field: "cursor", Reason: adapters.ErrBadCursor.Error()})
	case errors.Is(err, app.ErrCatalogUnavailable):
		return web.NewProblem(http.StatusServiceUnavailable, app.ErrCatalogUnavailable.Error())
	}
	return nil
}
