package web

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParamsNamesAnUnknownParameter(t *testing.T) {
	cases := []struct {
		query   string
		allowed []string
		detail  string // "" = accepted
	}{
		{"", nil, ""},
		{"type=A&after=3", []string{"type", "after", "limit"}, ""},
		{"type=A&type=B", []string{"type"}, `query parameter "type" given 2 times`},
		{"correlationid=x", []string{"correlationId", "type"}, `unknown query parameter "correlationid" (names are case-sensitive: did you mean "correlationId"?)`},
		{"colour=red", []string{"sku"}, `unknown query parameter "colour"; this path takes sku`},
		{"x=1", nil, "this path takes none"},
		{"b=1&a=2", []string{"c"}, `"a"`},
	}
	for _, c := range cases {
		err := Params(httptest.NewRequest("GET", "/v1/x?"+c.query, nil), c.allowed...)
		var p *Problem
		switch {
		case c.detail == "" && err != nil:
			t.Errorf("%q: %v, want it accepted", c.query, err)
		case c.detail == "":
		case !errors.As(err, &p) || p.Status != 400 || !strings.Contains(p.Detail, c.detail):
			t.Errorf("%q: %v, want a 400 naming %s", c.query, err, c.detail)
		}
	}
}

func TestNoBodyRefusesABodyThatMeansSomething(t *testing.T) {
	for _, c := range []struct {
		body, ctype string
		status      int // 0: accepted
	}{
		{"", "", 0},
		{"  \n", "text/plain", 0},
		{"{}", "application/json", 0},
		{` { } `, "application/json", 0},
		{`{"x":1}`, "application/json", 400},
		{`{"x":1}`, "", 415},
		{`[1]`, "application/json", 400},
		{`[]`, "application/json", 400},
		{`null`, "application/json", 0},
		{`{}`, "application/x-www-form-urlencoded", 0},
		{`{}`, "", 0},
		{`"x"`, "application/json", 400},
		{`{`, "application/json", 400},
	} {
		r := httptest.NewRequest("POST", "/v1/x/done", strings.NewReader(c.body))
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		err := NoBody(httptest.NewRecorder(), r)
		var p *Problem
		switch {
		case c.status == 0 && err != nil:
			t.Errorf("%q: %v, want it accepted", c.body, err)
		case c.status == 0:
		case !errors.As(err, &p) || p.Status != c.status:
			t.Errorf("%q %q: %v, want %d", c.body, c.ctype, err, c.status)
		}
	}
}
