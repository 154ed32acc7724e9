package system

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Events runs `banchan events tail`: it follows the event log of a running
// system over its HTTP API, printing each event as it is committed.
func Events(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "tail" {
		return errors.New("events: want tail")
	}
	fs := flag.NewFlagSet("banchan events tail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", envOr("BANCHAN_SERVER", "http://127.0.0.1:8080"), "base URL of the running system (env BANCHAN_SERVER)")
	after := fs.Int64("after", -1, "start after this log position (default: follow from the current end; 0 = from the beginning)")
	typ := fs.String("type", "", "only events of this type")
	correlation := fs.String("correlation-id", "", "only events of this correlation id")
	asJSON := fs.Bool("json", false, "print each event as one line of JSON")
	poll := fs.Duration("poll", 500*time.Millisecond, "how often to ask for new events")
	if rest, err := parseArgs(fs, args[1:]); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("events tail: unexpected argument %q", rest[0])
	}
	if *poll <= 0 || *after < -1 {
		return errors.New("events tail: --poll must be positive and --after a log position")
	}
	c := apiClient{base: strings.TrimRight(*server, "/"), http: &http.Client{Timeout: 30 * time.Second}}
	t := tailer{c: c, out: stdout, json: *asJSON, filter: url.Values{}}
	if *typ != "" {
		t.filter.Set("type", *typ)
	}
	if *correlation != "" {
		t.filter.Set("correlationId", *correlation)
	}
	return t.run(ctx, *after, *poll)
}

type tailer struct {
	c      apiClient
	out    io.Writer
	json   bool
	filter url.Values
}

type tailPage struct {
	Items []json.RawMessage `json:"items"`
	Next  int64             `json:"next"`
}

func (t tailer) run(ctx context.Context, after int64, poll time.Duration) error {
	if after < 0 {
		end, err := t.end(ctx)
		if err != nil {
			return err
		}
		after = end
	}
	for {
		page, err := t.page(ctx, after)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for _, raw := range page.Items {
			t.print(raw)
		}
		after = page.Next
		if len(page.Items) == 1000 {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

// end finds the current last position by paging to the end.
func (t tailer) end(ctx context.Context) (int64, error) {
	var after int64
	for {
		page, err := tailer{c: t.c, filter: url.Values{}}.page(ctx, after)
		if err != nil || len(page.Items) < 1000 {
			return page.Next, err
		}
		after = page.Next
	}
}

func (t tailer) page(ctx context.Context, after int64) (tailPage, error) {
	q := url.Values{}
	for k, v := range t.filter {
		q[k] = v
	}
	q.Set("after", strconv.FormatInt(after, 10))
	q.Set("limit", "1000")
	body, err := t.c.fetch(ctx, http.MethodGet, "/v1/events?"+q.Encode())
	if err != nil {
		return tailPage{Next: after}, err
	}
	var p tailPage
	if err := json.Unmarshal(body, &p); err != nil {
		return tailPage{Next: after}, fmt.Errorf("events: %w", err)
	}
	return p, nil
}

func (t tailer) print(raw json.RawMessage) {
	if t.json {
		fmt.Fprintln(t.out, string(raw))
		return
	}
	var e struct {
		Position int64     `json:"position"`
		Type     string    `json:"type"`
		Source   string    `json:"source"`
		Subject  string    `json:"subject"`
		Time     time.Time `json:"time"`
	}
	_ = json.Unmarshal(raw, &e)
	fmt.Fprintf(t.out, "%8d  %s  %-24s %-22s %s\n", e.Position, e.Time.Format("15:04:05.000"), e.Type, e.Source, e.Subject)
}
