// Package ports exposes inventory over HTTP (the native /v1 API and the
// Cosmic Python book's API) and binds its command handlers.
package ports

import (
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/app"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// HTTP serves the inventory API.
type HTTP struct {
	App *app.App
	Log *slog.Logger
}

// Register adds the routes to mux.
func (h HTTP) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/batches", h.addBatch)
	mux.HandleFunc("GET /v1/batches", h.listBatches)
	mux.HandleFunc("GET /v1/batches/{ref}", h.getBatch)
	mux.HandleFunc("PATCH /v1/batches/{ref}", h.changeQuantity)
	mux.HandleFunc("GET /v1/skus/{sku}", h.getSKU)
	mux.HandleFunc("GET /v1/products/{sku}", h.getProduct)
	mux.HandleFunc("POST /v1/allocations", h.allocate)
	mux.HandleFunc("GET /v1/allocations/{orderId}", h.getAllocations)
	h.registerCarts(mux)
	h.registerCosmic(mux)
}

type batchView struct {
	domain.Batch
	ETA       *string `json:"eta"`
	Available int     `json:"available"`
}

func view(b domain.Batch) batchView {
	v := batchView{Batch: b, Available: b.Available()}
	if b.ETA != "" {
		eta := b.ETA
		v.ETA = &eta
	}
	return v
}

func views(bs []domain.Batch) []batchView {
	out := make([]batchView, len(bs))
	for i, b := range bs {
		out[i] = view(b)
	}
	return out
}

// batchRequest is the body that adds a batch (both APIs): qty is a
// pointer so that a missing one is told from a zero.
type batchRequest struct {
	Ref string  `json:"ref"`
	SKU string  `json:"sku"`
	Qty *int    `json:"qty"`
	ETA *string `json:"eta"`
}

// decodeBatch reads an add-batch body; a missing field is named.
func decodeBatch(w http.ResponseWriter, r *http.Request) (app.AddBatch, error) {
	var req batchRequest
	if err := web.Decode(w, r, &req); err != nil {
		return app.AddBatch{}, err
	}
	var missing web.Fields
	for _, f := range []struct {
		name string
		set  bool
	}{{"ref", req.Ref != ""}, {"sku", req.SKU != ""}, {"qty", req.Qty != nil}} {
		if !f.set {
			missing.Add(f.name, "required")
		}
	}
	if err := missing.Err(); err != nil {
		return app.AddBatch{}, err
	}
	return app.AddBatch{Ref: req.Ref, SKU: req.SKU, Qty: *req.Qty, ETA: req.ETA}, nil
}

func (h HTTP) addBatch(w http.ResponseWriter, r *http.Request) {
	req, err := decodeBatch(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := h.App.AddBatch(r.Context(), req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/batches/"+b.Ref)
	web.JSON(w, http.StatusCreated, view(b))
}

func (h HTTP) getBatch(w http.ResponseWriter, r *http.Request) {
	b, err := h.App.Batch(r.Context(), r.PathValue("ref"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, view(b))
}

func (h HTTP) changeQuantity(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Qty *int `json:"qty"`
	}
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if req.Qty == nil {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "qty", Reason: "required"}))
		return
	}
	if err := h.App.ChangeBatchQuantity(r.Context(), r.PathValue("ref"), *req.Qty); err != nil {
		h.fail(w, r, err)
		return
	}
	h.getBatch(w, r)
}

// Batches per page of a SKU's batch list, by default and at most; the
// product view shows the first page.
const (
	defaultBatchPage = 100
	maxBatchPage     = 1000
)

// nextRef is a page's next cursor: null after the last page.
func nextRef(ref string) *string {
	if ref == "" {
		return nil
	}
	return &ref
}

// listBatches answers one page of a SKU's batches in allocation
// preference: ?limit= (1-1000, default 100) and ?after= (the previous
// page's next, a batch ref; next is null on the last page).
func (h HTTP) listBatches(w http.ResponseWriter, r *http.Request) {
	if err := web.Params(r, "sku", "after", "limit"); err != nil {
		h.fail(w, r, err)
		return
	}
	v := r.URL.Query()
	sku := v.Get("sku")
	var bad web.Fields
	if sku == "" {
		bad.Add("sku", "query parameter required")
	}
	page := adapters.BatchPage{After: v.Get("after"), Limit: defaultBatchPage}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxBatchPage {
			bad.Add("limit", "want a number from 1 to "+strconv.Itoa(maxBatchPage))
		}
		page.Limit = n
	}
	if err := bad.Err(); err != nil {
		h.fail(w, r, err)
		return
	}
	bs, next, err := h.App.Batches(r.Context(), sku, page)
	if errors.Is(err, adapters.ErrUnknownAfter) {
		err = web.Invalid(web.FieldError{Field: "after", Reason: "want the ref of a batch of SKU " + sku + " (a page's next)"})
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"sku": sku, "batches": views(bs), "next": nextRef(next)})
}

// getSKU is the catalog query: 200 when the SKU has stock records, else
// 404. It sums the batches without reading them.
func (h HTTP) getSKU(w http.ResponseWriter, r *http.Request) {
	sku := r.PathValue("sku")
	st, err := h.App.Stock(r.Context(), sku)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if st.Batches == 0 {
		h.unknownSKU(w, r, sku)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"sku": sku, "available": st.Available, "batches": st.Batches})
}

// UnknownSKUProblem is the problem type of a 404 for a SKU without stock
// records, so that a client of GET /v1/skus/{sku} tells it from a 404 for
// a path the server does not serve (a wrong base URL).
const UnknownSKUProblem = "/problems/unknown-sku"

func (h HTTP) unknownSKU(w http.ResponseWriter, r *http.Request, sku string) {
	np := web.NewProblem(http.StatusNotFound, "unknown SKU "+sku)
	np.Type = UnknownSKUProblem
	h.fail(w, r, np)
}

// Waiting lines per page of the product view, by default and at most.
const (
	defaultWaitingPage = 100
	maxWaitingPage     = 1000
)

// getProduct answers the product with the first page of its batches
// (batchesNext, when more follow, is the after of the batch list's next
// page) and one page of its waiting lines, oldest first: ?limit= (1-1000,
// default 100) and ?after= (the previous page's next; next is null on
// the last page).
func (h HTTP) getProduct(w http.ResponseWriter, r *http.Request) {
	page, err := waitingPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.App.Product(r.Context(), r.PathValue("sku"), page, adapters.BatchPage{Limit: defaultBatchPage})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if p.Stock.Batches == 0 {
		h.unknownSKU(w, r, p.SKU)
		return
	}
	backorders := p.Backorders
	if backorders == nil {
		backorders = []domain.Backorder{}
	}
	var next *int64
	if p.MoreWaiting && len(backorders) > 0 {
		next = &backorders[len(backorders)-1].Seq
	}
	web.JSON(w, http.StatusOK, map[string]any{"sku": p.SKU, "version": p.Version, "available": p.Stock.Available,
		"waiting": p.Waiting, "batches": views(p.Batches), "batchCount": p.Stock.Batches,
		"batchesNext": nextRef(p.BatchesNext), "backorders": backorders, "next": next})
}

// waitingPage reads ?after= and ?limit=, naming what is wrong.
func waitingPage(r *http.Request) (adapters.WaitingPage, error) {
	if err := web.Params(r, "after", "limit"); err != nil {
		return adapters.WaitingPage{}, err
	}
	v := r.URL.Query()
	page := adapters.WaitingPage{Limit: defaultWaitingPage}
	var bad web.Fields
	if s := v.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			bad.Add("after", "want a waiting line's seq: a number ≥ 0")
		}
		page.After = n
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxWaitingPage {
			bad.Add("limit", "want a number from 1 to "+strconv.Itoa(maxWaitingPage))
		}
		page.Limit = n
	}
	return page, bad.Err()
}

func (h HTTP) allocate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OrderID string `json:"orderId"`
		SKU     string `json:"sku"`
		Qty     *int   `json:"qty"`
	}
	if err := web.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if req.Qty == nil {
		h.fail(w, r, web.Invalid(web.FieldError{Field: "qty", Reason: "required"}))
		return
	}
	out, err := h.App.Allocate(r.Context(), app.Allocate{OrderID: req.OrderID, SKU: req.SKU, Qty: *req.Qty})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if out.Repeat { // the line stands as it was
		status = http.StatusOK
	}
	body := map[string]any{"orderId": req.OrderID, "sku": req.SKU, "qty": out.Qty, "backordered": out.Backordered}
	if out.BatchRef != "" { // a waiting line has no batch: no batchRef member
		body["batchRef"] = out.BatchRef
	}
	web.JSON(w, status, body)
}

func (h HTTP) getAllocations(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("orderId")
	lines, waiting, err := h.App.OrderLines(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(lines) == 0 && len(waiting) == 0 {
		h.fail(w, r, web.NewProblem(http.StatusNotFound, "no allocations or backorders for order "+id))
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"orderId": id, "lines": lines, "backorders": waiting,
		"backordered": len(waiting) > 0})
}

var idRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$`)

func (h HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, h.Log, err, mapError)
}

func mapError(err error) *web.Problem {
	switch {
	case errors.Is(err, domain.ErrInvalid):
		return invalidProblem(err)
	case errors.Is(err, app.ErrUnknownSKU):
		return web.NewProblem(http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, domain.ErrDuplicateBatch):
		return web.NewProblem(http.StatusConflict, err.Error())
	case errors.Is(err, domain.ErrOutOfStock):
		return web.NewProblem(http.StatusConflict, err.Error())
	case errors.Is(err, adapters.ErrNotFound), errors.Is(err, domain.ErrUnknownBatch):
		return web.NewProblem(http.StatusNotFound, err.Error())
	}
	return nil
}

// invalidFields are the fields inventory's checks name at the start of
// their message ("qty 0: must be ...", "order id: required"), with the
// request member each stands for.
var invalidFields = []struct{ prefix, field string }{
	{"order id", "orderId"}, {"cart id", "cartId"}, {"qty", "qty"}, {"sku", "sku"}, {"ref", "ref"}, {"eta", "eta"},
}

// invalidProblem is the validation problem of a refused value: the check's
// own words as the detail, and the field named in errors[] when the words
// start with one, as the decoder's problems do.
func invalidProblem(err error) *web.Problem {
	prefix := domain.ErrInvalid.Error() + ": "
	msg := strings.Replace(err.Error(), prefix, "", 1) // context before it kept
	check := err.Error()
	if _, rest, ok := strings.Cut(check, prefix); ok {
		check = rest
	}
	p := web.NewProblem(http.StatusUnprocessableEntity, msg)
	p.Type = "/problems/validation"
	head, _, _ := strings.Cut(check, ":")
	for _, f := range invalidFields {
		if head == f.prefix || strings.HasPrefix(head, f.prefix+" ") {
			p.Errors = []web.FieldError{{Field: f.field, Reason: check}}
			break
		}
	}
	return p
}

// Bind registers the inventory command handlers, each inbox-backed.
func Bind(c *event.Consumer, store event.Store, a *app.App) {
	c.Handle(contract.TypeAllocateFulfilmentOrder,
		event.WithInbox(store, c.Name(), event.Typed(a.AllocateFulfilmentOrder)))
}
