package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// Params checks that the request's query names only the given parameters,
// so that a misspelt filter (?correlationid= for ?correlationId=) is a 400
// naming it rather than a silently unfiltered answer.
func Params(r *http.Request, allowed ...string) error {
	var unknown []string
	for name := range r.URL.Query() {
		if !slices.Contains(allowed, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	name := unknown[0]
	detail := fmt.Sprintf("unknown query parameter %q", name)
	for _, a := range allowed {
		if strings.EqualFold(a, name) {
			detail += fmt.Sprintf(" (names are case-sensitive: did you mean %q?)", a)
			break
		}
	}
	if len(allowed) == 0 {
		detail += "; this path takes none"
	} else {
		detail += "; this path takes " + strings.Join(allowed, ", ")
	}
	p := NewProblem(http.StatusBadRequest, detail)
	p.Errors = make([]FieldError, len(unknown))
	for i, u := range unknown {
		p.Errors[i] = FieldError{Field: u, Reason: "unknown query parameter"}
	}
	return p
}
