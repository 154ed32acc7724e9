package systemtest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// fullView is an order with its status history.
type fullView struct {
	Status  string `json:"status"`
	History []struct {
		Status string `json:"status"`
	} `json:"history"`
}

var stageRank = map[string]int{"PLACED": 0, "BACKORDERED": 1, "ALLOCATED": 2, "COOKING": 3, "PICKED_UP": 4,
	"PACKED": 5, "SHIPPED": 6, "DELIVERED": 7}

// TestSimulatedFlowSurvivesKill runs the whole flow with --simulate, kills
// the process with SIGKILL while orders are between stages, restarts it on
// the same data, and checks that every order reaches DELIVERED with each
// stage once and in order: no step lost, none applied twice.
func TestSimulatedFlowSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 of a simulated flow: skipped under -short")
	}
	args := []string{"--data-dir", t.TempDir(), "--simulate", "--simulate-min-delay", "20ms", "--simulate-max-delay", "300ms"}
	p := start(t, "simulate", args...)
	c := newClient(p.url())
	ctx := context.Background()
	if err := c.addBatch(ctx, "sim-b", "SIM-BIBIMBAP", 200); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 20 {
		pl, err := c.placeOrder(ctx, newOrder(fmt.Sprintf("sim-%d", i%4), "SIM-BIBIMBAP", 1+i%3), fmt.Sprintf("sim-key-%d", i))
		if err != nil || pl.status != http.StatusCreated {
			t.Fatalf("place order %d: %d %v %s", i, pl.status, err, pl.body)
		}
		ids = append(ids, pl.id)
	}
	// Kill it once some orders are under way and none is finished yet, or
	// as soon as the first is delivered.
	err := eventually(ctx, 30*time.Second, func() error {
		var v fullView
		if _, err := c.getJSON(ctx, "/v1/orders/"+ids[0], &v); err != nil {
			return err
		}
		if stageRank[v.Status] < stageRank["PICKED_UP"] {
			return fmt.Errorf("first order %s", v.Status)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, p.tail(20))
	}
	p.kill(t)
	p = start(t, "simulate-restarted", args...)
	c.point(p.url())
	for _, id := range ids {
		err := eventually(ctx, 60*time.Second, func() error {
			var v fullView
			if _, err := c.getJSON(ctx, "/v1/orders/"+id, &v); err != nil {
				return err
			}
			if v.Status != "DELIVERED" {
				return fmt.Errorf("order %s is %s", id, v.Status)
			}
			return checkHistory(v)
		})
		if err != nil {
			t.Fatalf("%v\n%s", err, p.tail(20))
		}
	}
}

// checkHistory wants every stage from PLACED to DELIVERED once, in order.
func checkHistory(v fullView) error {
	last, seen := -1, map[string]bool{}
	for _, h := range v.History {
		if seen[h.Status] || stageRank[h.Status] <= last && h.Status != "BACKORDERED" {
			return fmt.Errorf("history %+v repeats or goes back at %s", v.History, h.Status)
		}
		seen[h.Status], last = true, stageRank[h.Status]
	}
	for s := range stageRank {
		if s != "BACKORDERED" && !seen[s] {
			return fmt.Errorf("history %+v lacks %s", v.History, s)
		}
	}
	return nil
}
