package system

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// benchPhases lists the phases of `banchan bench` in the order they run:
// fsync first, because the order rows are read against its rate.
var benchPhases = []string{"fsync", "orders", "publish", "consume", "allocate", "rebuild"}

// benchOptions are the flags of `banchan bench`.
type benchOptions struct {
	dir        string
	duration   time.Duration
	timeout    time.Duration
	clients    int
	messages   int
	size       int
	phases     []string
	cpuProfile string
	// rate is the offered rate of the allocate phase's open-loop row
	// (0: 70 % of the rate its closed loop reached).
	rate int
	// events is the generated log's length for the rebuild phase.
	events      int
	postgresURL string
}

// maxBenchSize keeps one message under NATS's default 1 MiB payload limit
// once wrapped in an envelope.
const maxBenchSize = 512 << 10

// maxBenchRate bounds --rate: an offered rate the open loop can pace (at
// least a microsecond between requests).
const maxBenchRate = 1_000_000

// parseBenchFlags parses and checks the flags of `banchan bench`.
func parseBenchFlags(args []string, stderr io.Writer) (benchOptions, error) {
	o := benchOptions{duration: 5 * time.Second, timeout: 3 * time.Minute, clients: 32,
		messages: 50000, size: 256, phases: benchPhases, events: 1_000_000}
	fs := flag.NewFlagSet("banchan bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.dir, "dir", "", "scratch directory on the disk to measure (default a fresh temporary directory); "+
		"the run works in a new subdirectory and removes it at the end")
	fs.DurationVar(&o.duration, "duration", o.duration, "length of each timed phase (fsync, each order row)")
	fs.DurationVar(&o.timeout, "timeout", o.timeout, "upper bound of any one measurement, beyond --duration")
	fs.IntVar(&o.clients, "clients", o.clients, "concurrent clients of the order rows")
	fs.IntVar(&o.messages, "messages", o.messages, "messages per broker measurement")
	fs.IntVar(&o.size, "size", o.size, "payload bytes of each broker message (the envelope's data)")
	fs.Func("phases", "comma-separated phases to run: "+strings.Join(benchPhases, ",")+" (default all)",
		func(s string) error { o.phases = splitList(s); return nil })
	fs.IntVar(&o.events, "events", o.events, "length of the generated log the rebuild phase projects")
	fs.StringVar(&o.postgresURL, "postgres-url", "", "rebuild phase: also measure on this PostgreSQL (a scratch schema, dropped at the end)")
	fs.IntVar(&o.rate, "rate", 0, "allocate phase: requests per second its open-loop row offers (default 70% of the rate its closed loop reached)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (and one of each system the run starts as its own process, to this name + .<dir>)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	return o, o.validate()
}

func (o benchOptions) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("bench: "+format, a...)) }
	if o.duration <= 0 {
		bad("--duration %s: must be positive", o.duration)
	}
	if o.timeout <= 0 {
		bad("--timeout %s: must be positive", o.timeout)
	}
	if o.clients < 1 {
		bad("--clients %d: must be at least 1", o.clients)
	}
	if o.rate < 0 || o.rate > maxBenchRate {
		bad("--rate %d: want 1 to %d requests per second (or 0 for 70%% of the closed loop's rate)", o.rate, maxBenchRate)
	}
	if o.messages < 1 {
		bad("--messages %d: must be at least 1", o.messages)
	}
	if o.events < 1 {
		bad("--events %d: must be at least 1", o.events)
	}
	if o.size < 1 || o.size > maxBenchSize {
		bad("--size %d: want 1 to %d bytes", o.size, maxBenchSize)
	}
	if len(o.phases) == 0 {
		bad("--phases: empty; want some of %s", strings.Join(benchPhases, ","))
	}
	for _, p := range o.phases {
		if !slices.Contains(benchPhases, p) {
			bad("--phases: unknown phase %q; want some of %s", p, strings.Join(benchPhases, ","))
		}
	}
	return errors.Join(errs...)
}

func (o benchOptions) runs(phase string) bool { return slices.Contains(o.phases, phase) }

// bench is one run of `banchan bench`: its scratch directory, its rows and
// the embedded NATS server the broker phases share.
type bench struct {
	opts   benchOptions
	dir    string
	stderr io.Writer
	log    *slog.Logger
	rows   []benchRow
	ns     *server.Server
}

// Bench runs `banchan bench`: it measures, in one run on one disk, the raw
// fsync rate, durable orders per second (store level and over HTTP on the
// real system) and the toolkit's JetStream publish and consume rates next
// to raw nats.go, then prints one table.
func Bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseBenchFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	dir, err := benchDir(opts.dir)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if opts.cpuProfile != "" {
		stop, err := startCPUProfile(opts.cpuProfile)
		if err != nil {
			return fmt.Errorf("bench: --cpuprofile: %w", err)
		}
		defer stop()
	}
	b := &bench{opts: opts, dir: dir, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	defer b.close()
	printBenchHeader(stdout, opts, args, dir)
	err = b.run(ctx)
	if terr := printBenchTable(stdout, b.rows); terr != nil {
		err = errors.Join(err, terr)
	}
	return err
}

// benchDir makes a fresh scratch directory, inside parent if given.
func benchDir(parent string) (string, error) {
	if parent != "" {
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return "", fmt.Errorf("bench: --dir: %w", err)
		}
	}
	dir, err := os.MkdirTemp(parent, "banchan-bench-")
	if err != nil {
		return "", fmt.Errorf("bench: scratch directory: %w", err)
	}
	return dir, nil
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// run runs the selected phases in order. A failing phase is reported and
// the next one still runs; only a cancelled ctx stops the run.
func (b *bench) run(ctx context.Context) error {
	steps := map[string]func(context.Context) ([]benchRow, error){
		"fsync": b.fsyncPhase, "orders": b.ordersPhase, "publish": b.publishPhase, "consume": b.consumePhase,
		"allocate": b.allocatePhase, "rebuild": b.rebuildPhase,
	}
	var errs []error
	for _, phase := range benchPhases {
		if !b.opts.runs(phase) || ctx.Err() != nil {
			continue
		}
		fmt.Fprintf(b.stderr, "bench: %s...\n", phase)
		rows, err := steps[phase](ctx)
		b.rows = append(b.rows, rows...)
		if err != nil {
			errs = append(errs, fmt.Errorf("bench %s: %w", phase, err))
			fmt.Fprintf(b.stderr, "bench: %s: %v\n", phase, err)
		}
	}
	if ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("bench: interrupted: %w", ctx.Err()))
	}
	return errors.Join(errs...)
}

// rate returns the rate of the first row with this phase and name prefix,
// or 0 when that row was not measured.
func (b *bench) rate(phase, namePrefix string) float64 {
	for _, r := range b.rows {
		if r.phase == phase && strings.HasPrefix(r.name, namePrefix) && r.err == nil {
			return r.rate()
		}
	}
	return 0
}

func (b *bench) close() {
	if b.ns != nil {
		b.ns.Shutdown()
		b.ns.WaitForShutdown()
		b.ns = nil
	}
}

func printBenchHeader(w io.Writer, o benchOptions, args []string, dir string) {
	fmt.Fprintf(w, "banchan bench, %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "machine:  %d CPUs (GOMAXPROCS %d), %s/%s, %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0),
		runtime.GOOS, runtime.GOARCH, runtime.Version())
	if load := loadAverage(); load != "" {
		fmt.Fprintf(w, "load:     %s (1, 5, 15 min; other work on the machine skews every row)\n", load)
	}
	fmt.Fprintf(w, "command:  %s\n", commandLine(args))
	fmt.Fprintf(w, "scratch:  %s (removed at the end)\n", dir)
	fmt.Fprintf(w, "settings: --duration %s, --clients %d, --messages %d, --size %d, --phases %s\n\n",
		o.duration, o.clients, o.messages, o.size, strings.Join(o.phases, ","))
}

// loadAverage is the machine's load where the OS tells it (Linux), else "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// commandLine renders the command as typed, quoting what the shell would need.
func commandLine(args []string) string {
	parts := []string{"banchan", "bench"}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$\\*?") {
			a = fmt.Sprintf("%q", a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}
