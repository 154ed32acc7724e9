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

	"github.com/banchan/banchan/event/projection"
)

// Projections runs `banchan projections list|status|rebuild`, talking to a
// running system over its HTTP API.
func Projections(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("projections: want list, status NAME or rebuild NAME")
	}
	sub := args[0]
	fs := flag.NewFlagSet("banchan projections "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", envOr("BANCHAN_SERVER", "http://127.0.0.1:8080"), "base URL of the running system (env BANCHAN_SERVER)")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	detach := fs.Bool("detach", false, "rebuild: start it and return without waiting for the switch")
	timeout := fs.Duration("timeout", time.Hour, "rebuild: give up waiting after this long")
	names, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	c := apiClient{base: strings.TrimRight(*server, "/"), http: &http.Client{Timeout: 30 * time.Second}}
	name := ""
	if len(names) > 0 {
		name = names[0]
	}
	switch {
	case sub == "list":
		return listProjections(ctx, c, stdout, *asJSON)
	case (sub == "status" || sub == "rebuild") && (len(names) != 1 || name == ""):
		return fmt.Errorf("projections %s: want one projection name", sub)
	case sub == "status":
		return c.do(ctx, http.MethodGet, "/v1/projections/"+url.PathEscape(name), stdout)
	case sub == "rebuild":
		if *timeout <= 0 {
			return errors.New("projections rebuild: --timeout must be positive")
		}
		return rebuildProjection(ctx, c, name, *detach, *timeout, stdout)
	default:
		return fmt.Errorf("projections: unknown subcommand %q; want list, status or rebuild", sub)
	}
}

func listProjections(ctx context.Context, c apiClient, out io.Writer, asJSON bool) error {
	body, err := c.fetch(ctx, http.MethodGet, "/v1/projections")
	if err != nil {
		return err
	}
	if asJSON {
		_, err := out.Write(body)
		return err
	}
	var page struct {
		Items []projection.Status `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return fmt.Errorf("projections: %w", err)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tGENERATION\tPOSITION\tHEAD\tLAG\tREBUILD")
	for _, s := range page.Items {
		rb := "-"
		if s.Rebuild != nil {
			rb = fmt.Sprintf("generation %d at %d (lag %d)", s.Rebuild.Generation, s.Rebuild.Position, s.Rebuild.Lag)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", s.Name, s.Live.Generation, s.Live.Position, s.Head, s.Lag, rb)
	}
	return tw.Flush()
}

func rebuildProjection(ctx context.Context, c apiClient, name string, detach bool, timeout time.Duration, out io.Writer) error {
	body, err := c.fetch(ctx, http.MethodPost, "/v1/projections/"+url.PathEscape(name)+"/rebuild")
	if err != nil {
		return err
	}
	var started struct {
		Started bool                  `json:"started"`
		Rebuild projection.Generation `json:"rebuild"`
	}
	if err := json.Unmarshal(body, &started); err != nil {
		return fmt.Errorf("projections rebuild: %w", err)
	}
	gen := started.Rebuild.Generation
	verb := "started"
	if !started.Started {
		verb = "already running"
	}
	fmt.Fprintf(out, "%s: rebuild of generation %d %s\n", name, gen, verb)
	if detach {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return progress{c: c, name: name, gen: gen, out: out, tty: isTerminal(out)}.wait(ctx)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
