package ports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/ordering/app"
)

// cancelRequest is the optional body of POST /v1/orders/{id}/cancel.
type cancelRequest struct {
	Reason string `json:"reason"`
}

// cancelOrder cancels an order: 200 with the order (also when it was
// cancelled already), 409 once it has shipped, 404 for an unknown order.
func (h HTTP) cancelOrder(w http.ResponseWriter, r *http.Request) {
	req, err := decodeCancel(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "Idempotency-Key", Reason: "at most 255 characters"}))
		return
	}
	id := r.PathValue("id")
	out, err := h.App.CancelOrder(r.Context(), app.CancelOrder{OrderID: id, Reason: req.Reason, Key: key,
		RequestHash: cancelHash(id, req)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if out.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Body)
}

// decodeCancel reads the optional body: none (or only whitespace) is no
// reason; anything else is decoded as strictly as every other body.
func decodeCancel(w http.ResponseWriter, r *http.Request) (cancelRequest, error) {
	var req cancelRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, web.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, web.NewProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("body is over %d bytes", web.MaxBody))
		}
		return req, web.NewProblem(http.StatusBadRequest, "reading body: "+err.Error())
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return req, nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return req, web.Decode(w, r, &req)
}

// cancelHash identifies a cancel request; it differs from every place
// request's hash, so reusing a place's Idempotency-Key to cancel is a
// mismatch.
func cancelHash(id string, req cancelRequest) string {
	b, _ := json.Marshal(struct {
		Op, OrderID, Reason string
	}{"cancel", id, req.Reason})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
