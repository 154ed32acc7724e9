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
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// DLQ runs `banchan dlq list|show|redrive|purge`, talking to a running
// system over its HTTP API.
func DLQ(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("dlq: want list, show ID, redrive ID..., or purge ID... | --all")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("banchan dlq "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", envOr("BANCHAN_SERVER", "http://127.0.0.1:8080"), "base URL of the running system (env BANCHAN_SERVER)")
	subscription := fs.String("subscription", "", "list: only this subscription's dead letters")
	all := fs.Bool("all", false, "purge: every dead letter")
	asJSON := fs.Bool("json", false, "print JSON")
	ids, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	c := apiClient{base: strings.TrimRight(*server, "/"), http: &http.Client{Timeout: 30 * time.Second}}
	switch sub {
	case "list":
		return c.list(ctx, stdout, *subscription, *asJSON)
	case "show":
		if len(ids) != 1 {
			return errors.New("dlq show: want one ID")
		}
		return c.do(ctx, http.MethodGet, "/v1/deadletters/"+url.PathEscape(ids[0]), stdout)
	case "redrive", "purge":
		if *all {
			if sub == "redrive" {
				return errors.New("dlq redrive: --all is not supported; name the IDs")
			}
			if ids, err := c.allIDs(ctx); err != nil {
				return err
			} else {
				return c.each(ctx, sub, ids, stdout)
			}
		}
		if len(ids) == 0 {
			return fmt.Errorf("dlq %s: want one or more IDs", sub)
		}
		return c.each(ctx, sub, ids, stdout)
	default:
		return fmt.Errorf("dlq: unknown subcommand %q; want list, show, redrive or purge", sub)
	}
}

func envOr(k, d string) string {
	if v, ok := os.LookupEnv(k); ok && v != "" {
		return v
	}
	return d
}

type apiClient struct {
	base string
	http *http.Client
}

type dlItem struct {
	ID           string    `json:"id"`
	Subscription string    `json:"subscription"`
	Handler      string    `json:"handler"`
	EventType    string    `json:"eventType"`
	Attempts     int       `json:"attempts"`
	FailedAt     time.Time `json:"failedAt"`
	Reason       string    `json:"reason"`
}

func (c apiClient) fetch(ctx context.Context, method, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		var p struct{ Detail string }
		_ = json.Unmarshal(body, &p)
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, p.Detail)
	}
	return body, nil
}

func (c apiClient) do(ctx context.Context, method, path string, w io.Writer) error {
	body, err := c.fetch(ctx, method, path)
	if err == nil && len(body) > 0 {
		_, err = w.Write(body)
	}
	return err
}

func (c apiClient) items(ctx context.Context, subscription string) ([]dlItem, []byte, error) {
	body, err := c.fetch(ctx, http.MethodGet, "/v1/deadletters?limit=1000&subscription="+url.QueryEscape(subscription))
	if err != nil {
		return nil, nil, err
	}
	var out struct{ Items []dlItem }
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, nil, fmt.Errorf("dead letters: %w", err)
	}
	return out.Items, body, nil
}

func (c apiClient) list(ctx context.Context, w io.Writer, subscription string, asJSON bool) error {
	items, body, err := c.items(ctx, subscription)
	if err != nil || asJSON {
		if err == nil {
			_, err = w.Write(body)
		}
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSUBSCRIPTION\tHANDLER\tATTEMPTS\tFAILED AT\tREASON")
	for _, d := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.Subscription, d.Handler, d.Attempts,
			d.FailedAt.Format(time.RFC3339), d.Reason)
	}
	fmt.Fprintf(tw, "%d dead letter(s)\n", len(items))
	return tw.Flush()
}

func (c apiClient) allIDs(ctx context.Context) ([]string, error) {
	items, _, err := c.items(ctx, "")
	ids := make([]string, len(items))
	for i, d := range items {
		ids[i] = d.ID
	}
	return ids, err
}

func (c apiClient) each(ctx context.Context, sub string, ids []string, w io.Writer) error {
	var errs []error
	for _, id := range ids {
		path, method := "/v1/deadletters/"+url.PathEscape(id), http.MethodDelete
		if sub == "redrive" {
			path, method = path+"/redrive", http.MethodPost
		}
		if _, err := c.fetch(ctx, method, path); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(w, "%s %s\n", id, map[string]string{"redrive": "redriven", "purge": "purged"}[sub])
	}
	return errors.Join(errs...)
}

// parseArgs parses flags wherever they stand among the positional
// arguments (`rebuild sales --server URL` as well as `--server URL rebuild
// sales`) and returns the positional ones in order.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
}
