package system_test

import (
	"context"
	"strings"
	"testing"

	"github.com/banchan/banchan/internal/testenv"
)

// TestOneOrderIsOneCausalChain: every event an order causes, in every
// service, shares its correlation id and the request's trace id, and names
// the event that caused it.
func TestOneOrderIsOneCausalChain(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 10)
	const trace = "0af7651916cd43dd8448eb211c80319c"
	code, body := e.Do("POST", "/v1/orders", testenv.OrderBody("c-1", "KIMCHI-500G", 1),
		map[string]string{"traceparent": "00-" + trace + "-b7ad6b7169203331-01"})
	if code != 201 {
		t.Fatalf("place: %d %s", code, body)
	}
	id := strings.Split(strings.Split(string(body), `"id":"`)[1], `"`)[0]
	e.WaitStatus(id, "ALLOCATED")

	rows, err := e.Sys.Store().Read().QueryContext(context.Background(), `SELECT id, type, source, causation_id, traceparent
		FROM event_log WHERE correlation_id = (SELECT correlation_id FROM event_log WHERE type = 'OrderPlaced' AND subject = ?)
		ORDER BY position`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	var types []string
	for rows.Next() {
		var eid, typ, source, causation, tp string
		if err := rows.Scan(&eid, &typ, &source, &causation, &tp); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tp, "00-"+trace+"-") {
			t.Errorf("%s from %s has traceparent %q, want trace %s", typ, source, tp, trace)
		}
		if len(types) > 0 && !seen[causation] {
			t.Errorf("%s names causation %q, not an earlier event of the chain", typ, causation)
		}
		seen[eid] = true
		types = append(types, typ)
	}
	want := "OrderPlaced,AllocateFulfilmentOrder,LineAllocated,FulfilmentAllocated,OrderAllocated"
	if strings.Join(types, ",") != want {
		t.Errorf("chain %v, want %s", types, want)
	}
}
