package system_test

import (
	"context"
	"testing"
	"time"

	"github.com/banchan/banchan/event/sqlstore"
	"github.com/banchan/banchan/internal/system"
	"github.com/banchan/banchan/internal/testenv"
)

// With --inbox-retention, the records of events every subscription has
// acknowledged go once they are older than it; the system keeps working
// and orders placed after are handled once.
func TestInboxIsPrunedAfterItsRetention(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t, func(c *system.Config) { c.AckWait, c.InboxRetention = time.Second, 2*time.Second })
	e.AddBatch("b-1", "KIMCHI-500G", 10)
	first := e.PlaceOrder("c-1", "KIMCHI-500G", 2)
	e.WaitStatus(first, "ALLOCATED")
	if n := e.Count("event_inbox"); n == 0 {
		t.Fatal("no inbox records after an order was allocated")
	}
	// lowest is the lowest inbox horizon of the registered subscriptions.
	lowest := func() int64 {
		var subs, horizons int
		var low int64
		err := e.Sys.Store().Read().QueryRowContext(context.Background(), `SELECT
			(SELECT COUNT(DISTINCT name) FROM event_subscriptions),
			(SELECT COUNT(*) FROM event_checkpoints WHERE name LIKE ?),
			(SELECT COALESCE(MIN(position), 0) FROM event_checkpoints WHERE name LIKE ?)`,
			sqlstore.InboxHorizonPrefix+"%", sqlstore.InboxHorizonPrefix+"%").Scan(&subs, &horizons, &low)
		if err != nil {
			t.Fatal(err)
		}
		if horizons < subs {
			return 0
		}
		return low
	}
	var logged int64
	if err := e.Sys.Store().Read().QueryRowContext(context.Background(),
		`SELECT MAX(position) FROM event_log`).Scan(&logged); err != nil {
		t.Fatal(err)
	}
	e.Eventually(20*time.Second, "the inbox pruned up to the first order's events", func() bool {
		return lowest() >= logged
	})
	var left int
	if err := e.Sys.Store().Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM event_inbox i
		JOIN event_log l ON l.id = i.event_id WHERE l.position <= ?`, logged).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d inbox records of events at or below the horizon left", left)
	}

	second := e.PlaceOrder("c-1", "KIMCHI-500G", 3)
	e.WaitStatus(second, "ALLOCATED")
	var p struct{ Available int }
	e.JSON("GET", "/v1/products/KIMCHI-500G", "", 200, &p)
	if p.Available != 5 {
		t.Errorf("available %d after orders of 2 and 3 from 10, want 5", p.Available)
	}
}
