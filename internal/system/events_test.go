package system_test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banchan/banchan/internal/system"
	"github.com/banchan/banchan/internal/testenv"
)

type logPage struct {
	Items []struct {
		Position      int64  `json:"position"`
		Type          string `json:"type"`
		Source        string `json:"source"`
		CorrelationID string `json:"correlationid"`
	}
	Count int
	Next  int64
}

func TestEventLogIsReadable(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 10)
	id := e.PlaceOrder("c-1", "KIMCHI-500G", 1)
	e.WaitStatus(id, "ALLOCATED")

	var all logPage
	e.JSON("GET", "/v1/events?after=0&limit=1000", "", http.StatusOK, &all)
	if all.Count < 6 {
		t.Fatalf("%d events in the log, want the batch and the order's chain", all.Count)
	}
	for i := 1; i < len(all.Items); i++ {
		if all.Items[i].Position <= all.Items[i-1].Position {
			t.Fatalf("positions out of order at %d: %+v", i, all.Items)
		}
	}
	var page logPage
	e.JSON("GET", "/v1/events?after=0&limit=2", "", http.StatusOK, &page)
	var rest logPage
	e.JSON("GET", "/v1/events?limit=1000&after="+strconv.FormatInt(page.Next, 10), "", http.StatusOK, &rest)
	if page.Count != 2 || rest.Count != all.Count-2 || rest.Items[0].Position != all.Items[2].Position {
		t.Errorf("paging: %d then %d from %d, want 2 then %d", page.Count, rest.Count, page.Next, all.Count-2)
	}
	var placed logPage
	e.JSON("GET", "/v1/events?type=OrderPlaced", "", http.StatusOK, &placed)
	if placed.Count != 1 || placed.Items[0].Type != "OrderPlaced" {
		t.Errorf("type filter: %+v", placed.Items)
	}
	var chain logPage
	e.JSON("GET", "/v1/events?correlationId="+placed.Items[0].CorrelationID, "", http.StatusOK, &chain)
	if chain.Count != 5 {
		t.Errorf("correlation filter: %d events, want the order's 5", chain.Count)
	}
	var timeline struct {
		Events []struct{ Type, Source string }
	}
	e.JSON("GET", "/v1/orders/"+id+"/timeline", "", http.StatusOK, &timeline)
	sources := map[string]bool{}
	for _, ev := range timeline.Events {
		sources[ev.Source] = true
	}
	if len(timeline.Events) != 5 || len(sources) != 3 {
		t.Errorf("timeline %+v: want 5 events from ordering, the adapter and the scm", timeline.Events)
	}
	var stream struct {
		Version int64
		Events  []any
	}
	e.JSON("GET", "/v1/streams/ordering/order-"+id, "", http.StatusOK, &stream)
	if stream.Version != 1 || len(stream.Events) != 1 {
		t.Errorf("order stream: version %d, %d events", stream.Version, len(stream.Events))
	}
	for path, want := range map[string]int{
		"/v1/events?after=-1": 422, "/v1/events?limit=0": 422, "/v1/events?limit=x": 422,
		"/v1/streams/nope": 404, "/v1/orders/nope/timeline": 404,
	} {
		if code, body := e.Do("GET", path, "", nil); code != want {
			t.Errorf("GET %s: %d %s, want %d", path, code, body, want)
		}
	}
}

func TestEventsTailCommand(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 10)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- system.Events(ctx, []string{"tail", "--server", e.Base, "--after", "0", "--poll", "20ms"}, &out, &out)
	}()
	id := e.PlaceOrder("c-1", "KIMCHI-500G", 1)
	e.WaitStatus(id, "ALLOCATED")
	e.Eventually(10*time.Second, "tail to print the order's events", func() bool {
		s := out.String()
		return strings.Contains(s, "BatchAdded") && strings.Contains(s, "OrderAllocated")
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("tail: %v", err)
	}
	if err := system.Events(context.Background(), []string{"follow"}, &out, &out); err == nil {
		t.Error("unknown events subcommand accepted")
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
