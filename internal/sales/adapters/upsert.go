package adapters

import (
	"context"
	"strings"

	"github.com/banchan/banchan/event"
)

// rowsPerStatement keeps a statement's parameters well under every
// engine's limit (PostgreSQL 65535, SQLite 32766).
const rowsPerStatement = 500

// upsert inserts rows with one multi-row statement per rowsPerStatement:
// head is `INSERT INTO t (cols)`, tail the `ON CONFLICT ...` clause. A batch
// of a rebuild touches thousands of rows, and one round trip each would
// cost more than the fold itself. No two rows may share a conflict key.
func upsert(ctx context.Context, tx event.Tx, head, tail string, rows [][]any) error {
	for len(rows) > 0 {
		chunk := rows[:min(rowsPerStatement, len(rows))]
		rows = rows[len(chunk):]
		marks := "(" + strings.Repeat(", ?", len(chunk[0]))[2:] + ")"
		var q strings.Builder
		q.WriteString(head + " VALUES ")
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(marks)
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, q.String()+" "+tail, args...); err != nil {
			return err
		}
	}
	return nil
}
