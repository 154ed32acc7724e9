// Package ports exposes the kitchen over HTTP: cook tasks to find, start
// and finish, and the item settings that say what is cooked.
package ports

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scm/kitchen/adapters"
	"github.com/banchan/banchan/internal/scm/kitchen/app"
	"github.com/banchan/banchan/internal/scm/kitchen/domain"
	"github.com/banchan/banchan/internal/scm/scmweb"
)

// HTTP serves the kitchen API.
type HTTP struct {
	App *app.App
	Log *slog.Logger
}

// Register adds the routes to mux.
func (h HTTP) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/kitchen/tasks", h.listTasks)
	mux.HandleFunc("GET /v1/kitchen/tasks/{id}", h.getTask)
	mux.HandleFunc("POST /v1/kitchen/tasks/{id}/start", h.step(h.App.Start))
	mux.HandleFunc("POST /v1/kitchen/tasks/{id}/done", h.step(h.App.Done))
	mux.HandleFunc("GET /v1/kitchen/items/{itemCode}", h.getItem)
	mux.HandleFunc("PUT /v1/kitchen/items/{itemCode}", h.putItem)
}

func (h HTTP) listTasks(w http.ResponseWriter, r *http.Request) {
	if err := web.Params(r, "orderId", "status"); err != nil {
		h.fail(w, r, err)
		return
	}
	f := adapters.Filter{OrderID: r.URL.Query().Get("orderId"), Status: r.URL.Query().Get("status")}
	if f.Status != "" && !domain.ValidStatus(f.Status) {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "status", Reason: "one of PENDING, COOKING, DONE, CANCELLED"}))
		return
	}
	tasks, err := h.App.Tasks(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if tasks == nil {
		tasks = []domain.Task{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": tasks})
}

func (h HTTP) getTask(w http.ResponseWriter, r *http.Request) {
	t, err := h.App.Task(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, t)
}

// step answers a task step with the task (200), 404 for an unknown task
// and 409 when its status does not allow the step.
func (h HTTP) step(do func(ctx context.Context, id string) (domain.Task, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := web.NoBody(w, r); err != nil {
			h.fail(w, r, err)
			return
		}
		t, err := do(r.Context(), r.PathValue("id"))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, t)
	}
}

var itemRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func (h HTTP) itemCode(w http.ResponseWriter, r *http.Request) (string, bool) {
	code := r.PathValue("itemCode")
	if !itemRe.MatchString(code) {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "itemCode", Reason: "1-64 letters, digits or ._-"}))
		return "", false
	}
	return code, true
}

func (h HTTP) getItem(w http.ResponseWriter, r *http.Request) {
	code, ok := h.itemCode(w, r)
	if !ok {
		return
	}
	it, err := h.App.Item(r.Context(), code)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, it)
}

func (h HTTP) putItem(w http.ResponseWriter, r *http.Request) {
	code, ok := h.itemCode(w, r)
	if !ok {
		return
	}
	var req struct {
		Cook *bool `json:"cook"`
	}
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if req.Cook == nil {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "cook", Reason: "required: true or false"}))
		return
	}
	it, err := h.App.SetItem(r.Context(), code, *req.Cook)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, it)
}

func (h HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, h.Log, err, scmweb.MapError)
}
