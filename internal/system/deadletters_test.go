package system_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/system"
	"github.com/banchan/banchan/internal/testenv"
	"github.com/nats-io/nats.go/jetstream"
)

type deadLetterView struct {
	ID           string          `json:"id"`
	Subscription string          `json:"subscription"`
	Handler      string          `json:"handler"`
	Reason       string          `json:"reason"`
	Attempts     int             `json:"attempts"`
	Message      json.RawMessage `json:"message"`
	Raw          string          `json:"raw"`
}

func deadLetters(e *testenv.Env) []deadLetterView {
	var out struct{ Items []deadLetterView }
	e.JSON("GET", "/v1/deadletters", "", http.StatusOK, &out)
	return out.Items
}

// publishRaw puts bytes on a subject as a misbehaving producer would.
func publishRaw(t *testing.T, e *testenv.Env, subject string, data []byte) {
	t.Helper()
	js, err := jetstream.New(e.Sys.Broker().Conn())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(context.Background(), subject, data); err != nil {
		t.Fatalf("publish raw: %v", err)
	}
}

func TestMalformedMessagesAreDeadLetteredAndTheConsumerLivesOn(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	e.AddBatch("b-1", "KIMCHI-500G", 10)
	publishRaw(t, e, "banchan.ordering.OrderPlaced", []byte("{not json"))
	bad, err := event.New("ordering", "OrderPlaced", "/test", "o-x", map[string]any{"id": 42})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := bad.Marshal()
	publishRaw(t, e, "banchan.ordering.OrderPlaced", raw)

	var dls []deadLetterView
	// Both subscriptions of ordering's topic (the adapter, and ordering's
	// own customer tally) dead-letter each bad message.
	e.Eventually(10*time.Second, "four dead letters", func() bool { dls = deadLetters(e); return len(dls) == 4 })
	handlers := map[string]deadLetterView{}
	for _, d := range dls {
		handlers[d.Handler] = d
	}
	if _, ok := handlers["ordering/OrderPlaced"]; !ok {
		t.Errorf("ordering's own subscription kept no dead letter: %+v", handlers)
	}
	if d, ok := handlers["scm-adapter/decode"]; !ok || d.Raw != "{not json" || d.Attempts != 1 {
		t.Errorf("undecodable message: %+v, want a decode dead letter with its raw bytes after 1 attempt", handlers)
	}
	d, ok := handlers["scm-adapter/OrderPlaced"]
	if !ok || !strings.Contains(d.Reason, "decode OrderPlaced") || d.Attempts != 1 {
		t.Fatalf("bad payload: %+v, want an OrderPlaced dead letter naming the decode error", handlers)
	}
	// The consumer lives on: a real order still flows.
	e.WaitStatus(e.PlaceOrder("c-1", "KIMCHI-500G", 1), "ALLOCATED")

	var shown deadLetterView
	e.JSON("GET", "/v1/deadletters/"+d.ID, "", http.StatusOK, &shown)
	if !bytes.Contains(shown.Message, []byte(`"id":42`)) {
		t.Errorf("show: message %s, want the original envelope", shown.Message)
	}
	if code, body := e.Do("POST", "/v1/deadletters/"+d.ID+"/redrive", "", nil); code != http.StatusConflict {
		t.Errorf("redrive of a still-bad message: %d %s, want 409", code, body)
	}
	e.JSON("GET", "/v1/deadletters/"+d.ID, "", http.StatusOK, &shown)
	if shown.Attempts != 2 {
		t.Errorf("after a failed redrive attempts = %d, want 2", shown.Attempts)
	}
	if code, _ := e.Do("DELETE", "/v1/deadletters/"+d.ID, "", nil); code != http.StatusNoContent {
		t.Errorf("purge: %d, want 204", code)
	}
	if code, _ := e.Do("GET", "/v1/deadletters/"+d.ID, "", nil); code != http.StatusNotFound {
		t.Errorf("purged dead letter: %d, want 404", code)
	}
	if code, _ := e.Do("GET", "/v1/deadletters?limit=abc", "", nil); code != http.StatusUnprocessableEntity {
		t.Errorf("bad limit: %d, want 422", code)
	}
}

func TestDLQCommand(t *testing.T) {
	t.Parallel()
	e := testenv.Start(t)
	publishRaw(t, e, "banchan.scm.FulfilmentAllocated", []byte("garbage"))
	var dls []deadLetterView
	e.Eventually(10*time.Second, "a dead letter", func() bool { dls = deadLetters(e); return len(dls) == 1 })
	ctx := context.Background()
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := system.DLQ(ctx, append(args[:1:1], append([]string{"--server", e.Base}, args[1:]...)...), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	if out, err := run("list"); err != nil || !strings.Contains(out, dls[0].ID) || !strings.Contains(out, "1 dead letter") {
		t.Errorf("dlq list: %v\n%s", err, out)
	}
	if out, err := run("show", dls[0].ID); err != nil || !strings.Contains(out, "garbage") {
		t.Errorf("dlq show: %v\n%s", err, out)
	}
	if out, err := run("redrive", dls[0].ID); err == nil || !strings.Contains(out+err.Error(), "409") {
		t.Errorf("dlq redrive of garbage: %v\n%s, want a 409 error", err, out)
	}
	if out, err := run("purge", "--all"); err != nil || !strings.Contains(out, "purged") {
		t.Errorf("dlq purge --all: %v\n%s", err, out)
	}
	if out, err := run("show", "missing-id"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("dlq show missing: %v %s, want a 404 error", err, out)
	}
	if _, err := run("frobnicate"); err == nil {
		t.Error("unknown dlq subcommand accepted")
	}
	if len(deadLetters(e)) != 0 {
		t.Error("dead letters left after purge --all")
	}
}
