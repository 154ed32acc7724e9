package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// Params checks that the request's query names only the given parameters,
// each once, so that a misspelt filter (?correlationid= for
// ?correlationId=) or a second value (?sku=A&sku=B) is a 400 naming it
// rather than an answer that silently ignores it.
func Params(r *http.Request, allowed ...string) error {
	var unknown, repeated []string
	for name, values := range r.URL.Query() {
		switch {
		case !slices.Contains(allowed, name):
			unknown = append(unknown, name)
		case len(values) > 1:
			repeated = append(repeated, name)
		}
	}
	if len(unknown) == 0 && len(repeated) > 0 {
		sort.Strings(repeated)
		p := NewProblem(http.StatusBadRequest, fmt.Sprintf("query parameter %q given %d times; give it once",
			repeated[0], len(r.URL.Query()[repeated[0]])))
		for _, name := range repeated {
			p.Errors = append(p.Errors, FieldError{Field: name, Reason: "given more than once"})
		}
		return p
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
