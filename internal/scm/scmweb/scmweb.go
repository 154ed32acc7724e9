// Package scmweb holds the HTTP error mapping every SCM module's API shares:
// the modules' common errors (internal/scm/messages) as problems.
package scmweb

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scm/messages"
)

// MapError maps the SCM modules' shared errors to problems: not found
// 404, a step the state does not allow 409, an invalid value 422.
func MapError(err error) *web.Problem {
	switch {
	case errors.Is(err, messages.ErrNotFound):
		return web.NewProblem(http.StatusNotFound, err.Error())
	case errors.Is(err, messages.ErrConflict):
		return web.NewProblem(http.StatusConflict, err.Error())
	case errors.Is(err, messages.ErrInvalid):
		return web.NewProblem(http.StatusUnprocessableEntity, err.Error())
	}
	return nil
}

// Respond answers 200 with v, or the problem err is.
func Respond(w http.ResponseWriter, r *http.Request, log *slog.Logger, v any, err error) {
	if err != nil {
		web.WriteError(w, r, log, err, MapError)
		return
	}
	web.JSON(w, http.StatusOK, v)
}
