// Package ports exposes the order process manager over HTTP: an order's
// fulfilment stage, its history and its deadlines.
package ports

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/process/app"
)

// HTTP serves the process manager's API.
type HTTP struct {
	App *app.App
	Log *slog.Logger
}

// Register adds the routes to mux.
func (h HTTP) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/fulfilments/{orderId}", h.get)
}

// get answers 200 with the order's progress, 404 for an order the SCM has
// not seen.
func (h HTTP) get(w http.ResponseWriter, r *http.Request) {
	v, err := h.App.Fulfilment(r.Context(), r.PathValue("orderId"))
	if err != nil {
		web.WriteError(w, r, h.Log, err, mapError)
		return
	}
	web.JSON(w, http.StatusOK, v)
}

func mapError(err error) *web.Problem {
	if errors.Is(err, messages.ErrNotFound) {
		return web.NewProblem(http.StatusNotFound, err.Error())
	}
	return nil
}
