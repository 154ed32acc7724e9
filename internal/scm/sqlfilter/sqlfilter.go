// Package sqlfilter builds the WHERE clause of a list query from the
// filters a caller set, so that the engine can use each column's index (a
// clause such as `? = ” OR order_id = ?` hides it: every list scanned the
// whole table, which grows with every order).
package sqlfilter

import "strings"

// Eq selects rows whose Column equals Value; an empty Value selects all.
type Eq struct{ Column, Value string }

// Where returns "WHERE c1 = ? AND c2 = ? " for the filters that are set
// (or "" for none) and their arguments. Columns are the caller's
// constants, never input.
func Where(filters ...Eq) (string, []any) {
	var conds []string
	var args []any
	for _, f := range filters {
		if f.Value == "" {
			continue
		}
		conds = append(conds, f.Column+" = ?")
		args = append(args, f.Value)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return "WHERE " + strings.Join(conds, " AND ") + " ", args
}
