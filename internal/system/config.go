// Package system is the composition root: it reads the configuration,
// opens the store and the broker, wires the selected services, their
// subscriptions, the outbox relay and the HTTP API, and runs them until the
// context ends. It is the only package that imports every service.
package system

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Service names selectable with --services.
var ServiceNames = []string{"ordering", "scm-adapter", "scm", "sales"}

// Config is the whole configuration of one process.
type Config struct {
	HTTP         string
	DataDir      string
	Services     []string
	NATSURL      string
	NATSListen   string
	NATSStream   string
	NATSPrefix   string
	NATSReplicas int
	// NATSMaxAge and NATSMaxBytes bound the stream (0: unbounded); nil
	// leaves that limit of an existing stream as it is (a new stream is
	// unbounded), so that a process started without them does not undo
	// what another was given.
	NATSMaxAge      *time.Duration
	NATSMaxBytes    *int64
	PostgresURL     string
	PostgresSchema  string
	SCMURL          string
	RedisURL        string
	MaxDeliveries   int
	RetryBase       time.Duration
	RetryMax        time.Duration
	AckWait         time.Duration
	Workers         int
	ShutdownTimeout time.Duration
	ReservationTTL  time.Duration
	// InboxRetention is how long an inbox record is kept once every
	// subscription has acknowledged its event (0 keeps them all).
	InboxRetention time.Duration
	// AllocationDeadline is how long an order may wait for allocation
	// before the SCM raises FulfilmentDelayed.
	AllocationDeadline time.Duration
	// Simulate drives the kitchen, warehouse and delivery steps with random
	// delays in [SimulateMinDelay, SimulateMaxDelay] and seeds demo batches.
	Simulate         bool
	SimulateMinDelay time.Duration
	SimulateMaxDelay time.Duration
	LogLevel         string
	LogFormat        string
	// TakeOverSubscriptions binds the durable subscriptions of the services
	// run here to this process's store even when they are bound to another
	// (see event.SubscribeOptions.Owner).
	TakeOverSubscriptions bool
	// NoSync turns off fsync in embedded mode (benchmarks of the cost only).
	NoSync bool
	// NoGroupCommit commits every SQLite transaction on its own (benchmarks
	// of what group commit saves).
	NoGroupCommit bool
	// CPUProfile is a file for a CPU profile of the whole run (written at exit).
	CPUProfile string
}

// Default is the all-in-one configuration on embedded defaults.
func Default() Config {
	return Config{HTTP: "127.0.0.1:8080", DataDir: "./data", Services: []string{"all"},
		NATSStream: "BANCHAN", NATSPrefix: "banchan", NATSReplicas: 1, PostgresSchema: "banchan",
		MaxDeliveries: 5, RetryBase: time.Second, RetryMax: time.Minute, AckWait: 10 * time.Second,
		Workers: 8, ShutdownTimeout: 15 * time.Second, ReservationTTL: 15 * time.Minute, InboxRetention: 7 * 24 * time.Hour, LogLevel: "info", LogFormat: "text",
		AllocationDeadline: 10 * time.Minute, SimulateMinDelay: 300 * time.Millisecond, SimulateMaxDelay: 1500 * time.Millisecond}
}

// envPrefix starts every environment variable.
const envPrefix = "BANCHAN_"

// Flags registers every setting on fs; each flag's environment variable
// (BANCHAN_ + the flag name upper-cased, dashes as underscores) overrides
// its default.
func (c *Config) Flags(fs *flag.FlagSet) {
	str := func(p *string, name, usage string) { fs.StringVar(p, name, *p, usage+envNote(name)) }
	dur := func(p *time.Duration, name, usage string) {
		fs.Var(durationFlag{p}, name, usage+" (a `duration`: 500ms, 10s, 1m, 1h30m)"+envNote(name))
	}
	num := func(p *int, name, usage string) { fs.IntVar(p, name, *p, usage+envNote(name)) }
	str(&c.HTTP, "http", "HTTP listen address (host:port; port 0 picks a free one)")
	str(&c.DataDir, "data-dir", "directory for the SQLite database and the embedded broker's files")
	fs.Func("services", "comma-separated services to run in this process: all, or any of "+
		strings.Join(ServiceNames, ", ")+" (default all)"+envNote("services"), func(s string) error {
		c.Services = splitList(s)
		return nil
	})
	str(&c.NATSURL, "nats-url", "external NATS server URL; empty runs an embedded JetStream server")
	str(&c.NATSListen, "nats-listen", "host:port where the embedded NATS server also listens (default none)")
	str(&c.NATSStream, "nats-stream", "JetStream stream name")
	str(&c.NATSPrefix, "nats-prefix", "subject prefix of every message")
	num(&c.NATSReplicas, "nats-replicas", "stream replicas (3 on a cluster)")
	fs.Func("nats-max-age", "drop stream messages older than this, at least 1h and longer than any consumer "+
		"may stay away: what a consumer has not taken by then it never gets (0 keeps every message; the event log keeps every event either way; "+
		"default: the stream's own, unbounded for a new one)"+envNote("nats-max-age"), func(v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return errors.New("want a duration such as 72h")
		}
		c.NATSMaxAge = &d
		return nil
	})
	fs.Func("nats-max-bytes", "bound the stream's size, dropping the oldest messages first: bytes, or with KiB, MiB, GiB or TiB, "+
		"at least 1MiB (0: unbounded; default: the stream's own, unbounded for a new one)"+envNote("nats-max-bytes"), func(v string) error {
		n, err := parseSize(v)
		if err != nil {
			return err
		}
		c.NATSMaxBytes = &n
		return nil
	})
	str(&c.PostgresURL, "postgres-url", "PostgreSQL URL; empty uses SQLite under --data-dir")
	str(&c.PostgresSchema, "postgres-schema", "PostgreSQL schema holding every table")
	str(&c.SCMURL, "scm-url", "base URL of the scm service, for catalog queries when it runs in another process")
	str(&c.RedisURL, "redis-url", "Redis URL (redis:// or rediss://) for the change_batch_quantity and line_allocated channels of scm; empty turns them off")
	num(&c.MaxDeliveries, "max-deliveries", "deliveries of a failing message before it is dead-lettered")
	dur(&c.RetryBase, "retry-base", "first retry delay (doubles per attempt)")
	dur(&c.RetryMax, "retry-max", "longest retry delay")
	dur(&c.AckWait, "ack-wait", "time a delivery may stay unacknowledged before redelivery")
	num(&c.Workers, "workers", "concurrent handlers per subscription")
	dur(&c.ShutdownTimeout, "shutdown-timeout", "time to finish in-flight work on SIGTERM")
	dur(&c.ReservationTTL, "reservation-ttl", "how long a cart's reservation holds stock")
	dur(&c.InboxRetention, "inbox-retention", "how long the inbox keeps the record of a handled event once every subscription has "+
		"acknowledged it, against redelivery; longer than any consumer may stay away (0 keeps every record)")
	dur(&c.AllocationDeadline, "allocation-deadline", "how long an order may wait for stock before FulfilmentDelayed is raised")
	fs.BoolVar(&c.TakeOverSubscriptions, "take-over-subscriptions", c.TakeOverSubscriptions, "bind the durable subscriptions "+
		"of the services run here to this process's store even if processes on another store had them: only for a store moved, "+
		"or made anew on purpose, with every process on the former one stopped"+envNote("take-over-subscriptions"))
	fs.BoolVar(&c.Simulate, "simulate", c.Simulate, "drive kitchen, warehouse and delivery steps by themselves and seed demo batches (a first look; off by default)"+envNote("simulate"))
	dur(&c.SimulateMinDelay, "simulate-min-delay", "with --simulate: shortest delay before each step")
	dur(&c.SimulateMaxDelay, "simulate-max-delay", "with --simulate: longest delay before each step")
	fs.BoolVar(&c.NoGroupCommit, "no-group-commit", c.NoGroupCommit, "commit each SQLite transaction on its own "+
		"instead of together with concurrent ones (only to measure what group commit saves)"+envNote("no-group-commit"))
	str(&c.CPUProfile, "cpuprofile", "write a CPU profile of the process, from start to shutdown, to this file (empty: none)")
	str(&c.LogLevel, "log-level", "debug, info, warn or error")
	str(&c.LogFormat, "log-format", "text or json")
}

func envNote(flagName string) string { return " (env " + EnvName(flagName) + ")" }

// EnvName is the environment variable of a flag.
func EnvName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ApplyEnv sets every flag not given on the command line from its
// environment variable, if set. Call it after fs.Parse.
func ApplyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		v, ok := lookup(EnvName(f.Name))
		if !ok || given[f.Name] {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", EnvName(f.Name), v, err))
		}
	})
	return errors.Join(errs...)
}

// durationFlag is a time.Duration flag whose refusal says what a duration
// looks like: flag's own says "parse error", even for a number without a
// unit.
type durationFlag struct{ p *time.Duration }

func (d durationFlag) String() string {
	if d.p == nil {
		return ""
	}
	return d.p.String()
}

func (d durationFlag) Set(v string) error {
	t, err := time.ParseDuration(strings.TrimSpace(v))
	if err == nil {
		*d.p = t
		return nil
	}
	if _, nerr := strconv.ParseFloat(strings.TrimSpace(v), 64); nerr == nil {
		return fmt.Errorf("want a duration with its unit, such as %ss (ms, s, m or h)", strings.TrimSpace(v))
	}
	return errors.New("want a duration such as 500ms, 10s, 1m or 1h30m")
}

// LoadArgs parses args and the environment into a Config.
func LoadArgs(name string, args []string) (Config, *flag.FlagSet, error) {
	cfg := Default()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg.Flags(fs)
	fs.SetOutput(io.Discard) // the caller prints the error, or the usage for -help
	if err := fs.Parse(args); err != nil {
		return cfg, fs, err
	}
	if err := ApplyEnv(fs, os.LookupEnv); err != nil {
		return cfg, fs, err
	}
	return cfg, fs, cfg.Validate()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Running lists the services this process runs, in ServiceNames order.
func (c Config) Running() []string {
	var out []string
	for _, name := range ServiceNames {
		if c.Runs(name) {
			out = append(out, name)
		}
	}
	return out
}

// Runs reports whether this process runs service name.
func (c Config) Runs(name string) bool {
	return slices.Contains(c.Services, "all") || slices.Contains(c.Services, name)
}

// Validate reports every setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if len(c.Services) == 0 {
		bad("--services: empty; want all or some of %s", strings.Join(ServiceNames, ", "))
	}
	for _, s := range c.Services {
		if s != "all" && !slices.Contains(ServiceNames, s) {
			bad("--services: unknown service %q; want all or some of %s", s, strings.Join(ServiceNames, ", "))
		}
	}
	if _, port, err := splitHostPort(c.HTTP); err != nil || port < 0 || port > 65535 {
		bad("--http %q: want host:port", c.HTTP)
	}
	if c.PostgresURL == "" && c.DataDir == "" {
		bad("--data-dir: required without --postgres-url")
	}
	checkURL := func(flagName, v string, schemes ...string) {
		if v == "" {
			return
		}
		u, err := url.Parse(v)
		if err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "" {
			bad("--%s %q: want a %s URL", flagName, Mask(v), strings.Join(schemes, " or "))
		}
	}
	checkURL("nats-url", c.NATSURL, "nats", "tls", "ws", "wss")
	checkURL("postgres-url", c.PostgresURL, "postgres", "postgresql")
	checkURL("scm-url", c.SCMURL, "http", "https")
	checkURL("redis-url", c.RedisURL, "redis", "rediss")
	if (c.Runs("ordering") || c.Runs("scm-adapter")) && !c.Runs("scm") && c.SCMURL == "" {
		bad("--scm-url: required when ordering or scm-adapter runs without scm in this process")
	}
	if c.MaxDeliveries < 1 || c.Workers < 1 || c.NATSReplicas < 1 {
		bad("--max-deliveries, --workers and --nats-replicas must be at least 1")
	}
	if c.RetryBase <= 0 {
		bad("--retry-base %s: want more than 0", c.RetryBase)
	} else if c.RetryMax < c.RetryBase {
		bad("--retry-max %s: want at least --retry-base %s", c.RetryMax, c.RetryBase)
	}
	for _, d := range []struct {
		name     string
		v, least time.Duration
	}{
		{"ack-wait", c.AckWait, time.Second}, {"shutdown-timeout", c.ShutdownTimeout, time.Nanosecond},
		{"reservation-ttl", c.ReservationTTL, time.Second}, {"allocation-deadline", c.AllocationDeadline, time.Second},
	} {
		if d.v < d.least {
			want := "at least " + d.least.String()
			if d.least == time.Nanosecond {
				want = "more than 0"
			}
			bad("--%s %s: want %s", d.name, d.v, want)
		}
	}
	if a := c.NATSMaxAge; a != nil && *a != 0 && *a < time.Hour {
		bad("--nats-max-age %s: want 0 (keep every message) or at least 1h", *a)
	}
	if n := c.NATSMaxBytes; n != nil && *n != 0 && *n < 1<<20 {
		bad("--nats-max-bytes %d: want 0 (unbounded) or at least 1MiB", *n)
	}
	if c.InboxRetention != 0 && c.InboxRetention <= c.AckWait {
		bad("--inbox-retention %s: want 0 (keep every record) or longer than --ack-wait %s", c.InboxRetention, c.AckWait)
	}
	if c.SimulateMinDelay < 0 || c.SimulateMaxDelay < c.SimulateMinDelay || c.SimulateMaxDelay > time.Hour {
		bad("--simulate-min-delay %s, --simulate-max-delay %s: want 0 <= min <= max <= 1h", c.SimulateMinDelay, c.SimulateMaxDelay)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		bad("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("--log-format %q: want text or json", c.LogFormat)
	}
	return errors.Join(errs...)
}

// parseSize reads a byte count: digits, optionally followed by KiB, MiB,
// GiB or TiB.
func parseSize(v string) (int64, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40}}
	trimmed := strings.TrimSpace(v)
	digits, shift := trimmed, uint(0)
	for _, u := range units {
		if strings.HasSuffix(trimmed, u.suffix) {
			digits, shift = strings.TrimSpace(strings.TrimSuffix(trimmed, u.suffix)), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q: want a number of bytes, optionally with KiB, MiB, GiB or TiB (512MiB)", v)
	}
	if n > (1<<62)>>shift {
		return 0, fmt.Errorf("%q: too large, want at most 4EiB", v)
	}
	return n << shift, nil
}

func splitHostPort(hp string) (string, int, error) {
	i := strings.LastIndex(hp, ":")
	if i < 0 {
		return "", 0, errors.New("no port")
	}
	p, err := strconv.Atoi(hp[i+1:])
	return hp[:i], p, err
}

// Mask hides a URL's password.
func Mask(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// LogAttrs is the effective configuration for the start-up log, secrets masked.
func (c Config) LogAttrs() []any {
	return []any{"http", c.HTTP, "data_dir", c.DataDir, "services", strings.Join(c.Services, ","),
		"nats_url", orDefault(Mask(c.NATSURL), "embedded"), "nats_listen", orDefault(c.NATSListen, "none"),
		"nats_stream", c.NATSStream, "nats_prefix", c.NATSPrefix, "nats_replicas", c.NATSReplicas,
		"nats_max_age", givenOr(c.NATSMaxAge, "the stream's"), "nats_max_bytes", givenOr(c.NATSMaxBytes, "the stream's"),
		"postgres_url", orDefault(Mask(c.PostgresURL), "none (sqlite)"), "postgres_schema", c.PostgresSchema,
		"scm_url", orDefault(c.SCMURL, "in-process"), "redis_url", orDefault(Mask(c.RedisURL), "none"), "max_deliveries", c.MaxDeliveries,
		"retry_base", c.RetryBase, "retry_max", c.RetryMax, "ack_wait", c.AckWait, "workers", c.Workers,
		"shutdown_timeout", c.ShutdownTimeout, "reservation_ttl", c.ReservationTTL, "inbox_retention", c.InboxRetention,
		"allocation_deadline", c.AllocationDeadline, "take_over_subscriptions", c.TakeOverSubscriptions, "simulate", c.Simulate, "log_level", c.LogLevel, "log_format", c.LogFormat}
}

// givenOr is a setting's value, or what stands for it when it was not given.
func givenOr[T any](v *T, d string) any {
	if v == nil {
		return d
	}
	return *v
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
