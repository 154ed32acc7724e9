package sqlstore_test

import (
	"testing"

	"github.com/banchan/banchan/event/sqlstore"
)

func TestRebind(t *testing.T) {
	numbered := sqlstore.Dialect{NumberedParams: true}
	tests := []struct {
		name string
		d    sqlstore.Dialect
		in   string
		want string
	}{
		{"question marks kept", sqlstore.Dialect{}, "SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = ? AND b = ?"},
		{"no params", numbered, "SELECT 1", "SELECT 1"},
		{"numbered", numbered, "INSERT INTO t (a, b, c) VALUES (?, ?, ?)", "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"},
		{"quoted kept", numbered, "SELECT '?' FROM t WHERE a = ?", "SELECT '?' FROM t WHERE a = $1"},
		{"escaped quote", numbered, "SELECT 'it''s ?' WHERE a = ? AND b = '?'", "SELECT 'it''s ?' WHERE a = $1 AND b = '?'"},
		{"adjacent", numbered, "(?,?)", "($1,$2)"},
		{"unicode", numbered, "SELECT 'é' WHERE a = ?", "SELECT 'é' WHERE a = $1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.Rebind(tc.in); got != tc.want {
				t.Errorf("Rebind(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
