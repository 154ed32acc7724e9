package sqlfilter

import (
	"reflect"
	"testing"
)

func TestWhere(t *testing.T) {
	cases := []struct {
		name    string
		filters []Eq
		where   string
		args    []any
	}{
		{"none", nil, "", nil},
		{"all empty", []Eq{{"order_id", ""}, {"status", ""}}, "", nil},
		{"one", []Eq{{"order_id", "o-1"}, {"status", ""}}, "WHERE order_id = ? ", []any{"o-1"}},
		{"second only", []Eq{{"order_id", ""}, {"status", "DONE"}}, "WHERE status = ? ", []any{"DONE"}},
		{"both", []Eq{{"order_id", "o-1"}, {"status", "DONE"}}, "WHERE order_id = ? AND status = ? ", []any{"o-1", "DONE"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			where, args := Where(c.filters...)
			if where != c.where || !reflect.DeepEqual(args, c.args) {
				t.Errorf("Where = %q %v, want %q %v", where, args, c.where, c.args)
			}
		})
	}
}
