package bus_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/bus"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
)

type KitchenTicket struct {
	OrderID string
	Fail    bool
}

func openStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bus.db"),
		sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	err = s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
		for _, table := range []string{"orders", "stock", "tickets"} {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE `+table+` (id TEXT PRIMARY KEY)`); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func count(t *testing.T, s *sqlstore.Store, table string) int {
	t.Helper()
	var n int
	if err := s.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestModulesShareTheTransaction wires three modules: ordering publishes,
// inventory and the kitchen react on the bus. When the kitchen fails, the
// writes of all three roll back together.
func TestModulesShareTheTransaction(t *testing.T) {
	s, b := openStore(t), bus.New()
	insert := func(table string) func(context.Context, event.Tx, KitchenTicket) error {
		return func(ctx context.Context, tx event.Tx, m KitchenTicket) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (id) VALUES (?)`, m.OrderID)
			return err
		}
	}
	bus.Subscribe(b, insert("stock"))
	bus.Subscribe(b, insert("tickets"))
	bus.Subscribe(b, func(_ context.Context, _ event.Tx, m KitchenTicket) error {
		if m.Fail {
			return errors.New("kitchen closed")
		}
		return nil
	})
	place := func(m KitchenTicket) error {
		return s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO orders (id) VALUES (?)`, m.OrderID); err != nil {
				return err
			}
			return bus.Publish(ctx, b, tx, m)
		})
	}
	if err := place(KitchenTicket{OrderID: "o1", Fail: true}); err == nil {
		t.Fatal("the failing module's error was lost")
	}
	for _, table := range []string{"orders", "stock", "tickets"} {
		if n := count(t, s, table); n != 0 {
			t.Errorf("%s kept %d rows of a rolled-back transaction", table, n)
		}
	}
	if err := place(KitchenTicket{OrderID: "o2"}); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"orders", "stock", "tickets"} {
		if n := count(t, s, table); n != 1 {
			t.Errorf("%s has %d rows after a commit, want 1", table, n)
		}
	}
}
