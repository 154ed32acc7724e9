package operations

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/projection"
	"github.com/banchan/banchan/internal/foundation/web"
)

// Projections serves the projections' state and starts rebuilds:
// GET /v1/projections, GET /v1/projections/{name} and
// POST /v1/projections/{name}/rebuild.
type Projections struct {
	Runner *projection.Runner
	Log    *slog.Logger
}

// Register adds the routes to mux.
func (p Projections) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/projections", p.list)
	mux.HandleFunc("GET /v1/projections/{name}", p.show)
	mux.HandleFunc("POST /v1/projections/{name}/rebuild", p.rebuild)
}

func (p Projections) list(w http.ResponseWriter, r *http.Request) {
	if err := web.Params(r); err != nil {
		p.fail(w, r, err)
		return
	}
	items, err := p.Runner.StatusAll(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items, "count": len(items)})
}

func (p Projections) show(w http.ResponseWriter, r *http.Request) {
	st, err := p.Runner.Status(r.Context(), r.PathValue("name"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, st)
}

// rebuild answers 202 with the new generation, or 200 with the rebuild
// already under way (asking twice starts one rebuild).
func (p Projections) rebuild(w http.ResponseWriter, r *http.Request) {
	if err := web.NoBody(w, r); err != nil {
		p.fail(w, r, err)
		return
	}
	name := r.PathValue("name")
	g, started, err := p.Runner.Rebuild(r.Context(), name)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	status := http.StatusAccepted
	if !started {
		status = http.StatusOK
	}
	p.Log.Info("projection rebuild", "projection", name, "generation", g.Generation, "started", started)
	web.JSON(w, status, map[string]any{"name": name, "started": started, "rebuild": g})
}

func (p Projections) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, p.Log, err, func(err error) *web.Problem {
		if errors.Is(err, event.ErrNotFound) {
			return web.NewProblem(http.StatusNotFound, "no projection "+r.PathValue("name"))
		}
		return nil
	})
}
