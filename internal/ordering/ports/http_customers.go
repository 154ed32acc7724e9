package ports

import (
	"net/http"
	"strconv"

	"github.com/banchan/banchan/internal/foundation/web"
	"github.com/banchan/banchan/internal/ordering/app"
)

// getCustomer answers 200 with the customer's tier and counts, 404 for a
// customer who never ordered.
func (h HTTP) getCustomer(w http.ResponseWriter, r *http.Request) {
	c, err := h.App.Customer(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}

// customerOrders answers one page of a customer's orders, newest first:
// ?limit= (1-100, default 20) and ?cursor= (the previous page's next).
func (h HTTP) customerOrders(w http.ResponseWriter, r *http.Request) {
	if err := web.Params(r, "cursor", "limit"); err != nil {
		h.fail(w, r, err)
		return
	}
	q := app.CustomerOrders{CustomerID: r.PathValue("id"), Cursor: r.URL.Query().Get("cursor")}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > app.MaxPageLimit {
			h.fail(w, r, web.Invalid(web.FieldError{Field: "limit",
				Reason: "want a number from 1 to " + strconv.Itoa(app.MaxPageLimit)}))
			return
		}
		q.Limit = n
	}
	page, err := h.App.CustomerOrders(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, page)
}
