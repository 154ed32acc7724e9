// Package ports exposes the order process manager over HTTP: an order's
// fulfilment stage, its history and its deadlines.
package ports

import (
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/internal/scm/process/app"
	"github.com/banchan/banchan/internal/scm/scmweb"
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
	scmweb.Respond(w, r, h.Log, v, err)
}
