// Package sqltime stores times in TEXT columns portably (SQLite and
// PostgreSQL): fixed-width UTC, so that they compare as text; the zero
// time is the empty string.
package sqltime

import (
	"database/sql"
	"fmt"
	"time"
)

// layout is fixed-width so that stored times sort and compare as text.
const layout = "2006-01-02T15:04:05.000000000Z"

// Format renders t for a TEXT column ("" for the zero time).
func Format(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(layout)
}

// Parse reads a time stored by Format.
func Parse(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// Into is a scan destination that parses a stored time into t:
// rows.Scan(sqltime.Into(&x.At)).
func Into(t *time.Time) sql.Scanner { return scanner{t} }

type scanner struct{ t *time.Time }

func (s scanner) Scan(v any) error {
	var err error
	switch v := v.(type) {
	case nil:
		*s.t = time.Time{}
	case string:
		*s.t, err = Parse(v)
	case []byte:
		*s.t, err = Parse(string(v))
	default:
		err = fmt.Errorf("stored time: unexpected %T", v)
	}
	return err
}
