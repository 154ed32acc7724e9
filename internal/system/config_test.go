package system

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestConfigFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"BANCHAN_HTTP": "127.0.0.1:9999", "BANCHAN_MAX_DELIVERIES": "7",
		"BANCHAN_SERVICES": "ordering,scm", "BANCHAN_DATA_DIR": "/from/env"}
	cfg := Default()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	cfg.Flags(fs)
	if err := fs.Parse([]string{"--data-dir", "/from/flag", "--retry-base", "2s"}); err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP != "127.0.0.1:9999" || cfg.MaxDeliveries != 7 || cfg.DataDir != "/from/flag" ||
		cfg.RetryBase != 2*time.Second || strings.Join(cfg.Services, ",") != "ordering,scm" {
		t.Errorf("config %+v: flags must win over env, env over defaults", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("valid config rejected: %v", err)
	}
}

func TestConfigValidateNamesTheProblem(t *testing.T) {
	cases := []struct {
		name    string
		change  func(*Config)
		mention string
	}{
		{"unknown service", func(c *Config) { c.Services = []string{"billing"} }, `unknown service "billing"`},
		{"no services", func(c *Config) { c.Services = nil }, "--services"},
		{"bad http", func(c *Config) { c.HTTP = "localhost" }, "--http"},
		{"bad nats url", func(c *Config) { c.NATSURL = "http://x" }, "--nats-url"},
		{"bad postgres url", func(c *Config) { c.PostgresURL = "mysql://u:secret@h/db" }, "--postgres-url"},
		{"ordering without scm", func(c *Config) { c.Services = []string{"ordering"} }, "--scm-url"},
		{"adapter without scm", func(c *Config) { c.Services = []string{"scm-adapter"} }, "--scm-url"},
		{"allocation deadline", func(c *Config) { c.AllocationDeadline = 0 }, "--allocation-deadline"},
		{"inbox retention within the ack wait", func(c *Config) { c.InboxRetention = 5 * time.Second }, "--inbox-retention"},
		{"simulate delays", func(c *Config) { c.SimulateMinDelay = time.Second; c.SimulateMaxDelay = time.Millisecond }, "--simulate-max-delay"},
		{"zero deliveries", func(c *Config) { c.MaxDeliveries = 0 }, "--max-deliveries"},
		{"retry max below base", func(c *Config) { c.RetryMax = time.Millisecond }, "--retry-base"},
		{"log level", func(c *Config) { c.LogLevel = "loud" }, "--log-level"},
		{"log format", func(c *Config) { c.LogFormat = "xml" }, "--log-format"},
		{"stream age under an hour", func(c *Config) { c.NATSMaxAge = ptr(time.Minute) }, "--nats-max-age"},
		{"stream size under a MiB", func(c *Config) { c.NATSMaxBytes = ptr(int64(1000)) }, "--nats-max-bytes"},
	}
	for _, c := range cases {
		cfg := Default()
		c.change(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: %v, want an error mentioning %q", c.name, err, c.mention)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error shows a password: %v", c.name, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestConfigStreamLimits reads the stream limits from flags and the
// environment; a limit not given stays nil, so the stream keeps its own.
func TestConfigStreamLimits(t *testing.T) {
	const unset = -1
	cases := []struct {
		args     []string
		env      string
		wantAge  time.Duration
		wantSize int64
		wantErr  string
	}{
		{nil, "", unset, unset, ""}, // neither given: the stream keeps its own
		{[]string{"--nats-max-age", "168h", "--nats-max-bytes", "10GiB"}, "", 168 * time.Hour, 10 << 30, ""},
		{[]string{"--nats-max-age", "0", "--nats-max-bytes", "0"}, "", 0, 0, ""}, // unbounded, said so
		{[]string{"--nats-max-bytes", "1048576"}, "", unset, 1 << 20, ""},
		{[]string{"--nats-max-age", " 2h"}, "", 2 * time.Hour, unset, ""},
		{nil, "512MiB", unset, 512 << 20, ""},
		{[]string{"--nats-max-age", "a week"}, "", 0, 0, "want a duration"},
		{[]string{"--nats-max-bytes", "10GB"}, "", 0, 0, "want a number of bytes"},
		{[]string{"--nats-max-bytes", "-5"}, "", 0, 0, "want a number of bytes"},
		{[]string{"--nats-max-bytes", "99999999TiB"}, "", 0, 0, "too large"},
		{nil, " 2MiB ", unset, 2 << 20, ""},
		{[]string{"--nats-max-bytes", "4194304 "}, "", unset, 4 << 20, ""},
	}
	for _, c := range cases {
		cfg := Default()
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg.Flags(fs)
		err := fs.Parse(c.args)
		if err == nil && c.env != "" {
			err = ApplyEnv(fs, func(k string) (string, bool) { return c.env, k == "BANCHAN_NATS_MAX_BYTES" })
		}
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: %v, want an error saying %q", c.args, err, c.wantErr)
			}
			continue
		}
		age, size := time.Duration(unset), int64(unset)
		if cfg.NATSMaxAge != nil {
			age = *cfg.NATSMaxAge
		}
		if cfg.NATSMaxBytes != nil {
			size = *cfg.NATSMaxBytes
		}
		if err != nil || age != c.wantAge || size != c.wantSize {
			t.Errorf("%v env %q: age %s, size %d, %v; want %s, %d (-1: not given)", c.args, c.env, age, size, err, c.wantAge, c.wantSize)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%v: valid limits rejected: %v", c.args, err)
		}
	}
}

func TestLoadArgsRejectsBadFlagValues(t *testing.T) {
	t.Setenv("BANCHAN_WORKERS", "many")
	if _, _, err := LoadArgs("t", nil); err == nil || !strings.Contains(err.Error(), "BANCHAN_WORKERS") {
		t.Errorf("bad env value: %v, want an error naming BANCHAN_WORKERS", err)
	}
}

func TestMaskHidesPasswords(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@db:5432/x": "postgres://u:xxxxx@db:5432/x",
		"nats://127.0.0.1:4222":         "nats://127.0.0.1:4222",
		"":                              "",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
	cfg := Default()
	cfg.PostgresURL = "postgres://u:secret@db/x"
	for _, a := range cfg.LogAttrs() {
		if s, ok := a.(string); ok && strings.Contains(s, "secret") {
			t.Errorf("LogAttrs shows the password: %v", a)
		}
	}
}

// TestConfigReservationTTL reads how long a cart holds stock: 15m unless
// given, a flag over the environment, and a value that is no duration or
// under a second refused with the flag's name; so are the other durations.
func TestConfigReservationTTL(t *testing.T) {
	cases := []struct {
		args    []string
		env     string
		want    time.Duration
		mention string
	}{
		{nil, "", 15 * time.Minute, ""},
		{[]string{"--reservation-ttl", "30s"}, "", 30 * time.Second, ""},
		{nil, "2h", 2 * time.Hour, ""},
		{[]string{"--reservation-ttl=90m"}, "1h", 90 * time.Minute, ""},
		{[]string{"--reservation-ttl", "500ms"}, "", 0, "--reservation-ttl 500ms: want at least 1s"},
		{[]string{"--reservation-ttl", "0"}, "", 0, "--reservation-ttl 0s: want at least 1s"},
		{[]string{"--reservation-ttl", "soon"}, "", 0, "reservation-ttl: want a duration such as 500ms"},
		{nil, "15", 0, `BANCHAN_RESERVATION_TTL="15": want a duration with its unit, such as 15s`},
		{[]string{"--retry-base", "0s"}, "", 0, "--retry-base 0s: want more than 0"},
		{[]string{"--retry-base", "2m", "--retry-max", "1s"}, "", 0, "--retry-max 1s: want at least --retry-base 2m0s"},
		{[]string{"--ack-wait", "-5s"}, "", 0, "--ack-wait -5s: want at least 1s"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " ")+" env="+c.env, func(t *testing.T) {
			t.Setenv("BANCHAN_RESERVATION_TTL", c.env) // restored after the test
			if c.env == "" {
				_ = os.Unsetenv("BANCHAN_RESERVATION_TTL")
			}
			cfg, _, err := LoadArgs("t", c.args)
			switch {
			case c.mention == "" && (err != nil || cfg.ReservationTTL != c.want):
				t.Errorf("%v, %v; want %v", cfg.ReservationTTL, err, c.want)
			case c.mention != "" && (err == nil || !strings.Contains(err.Error(), c.mention)):
				t.Errorf("%v, want an error naming %q", err, c.mention)
			}
		})
	}
}

// TestBannerNamesWhatRunsHere: the start-up lines list the services of
// this process and suggest a request that one of them serves.
func TestBannerNamesWhatRunsHere(t *testing.T) {
	for _, c := range []struct {
		services     []string
		running, try string
	}{
		{[]string{"all"}, "ordering, scm-adapter, scm, sales", "/v1/batches"},
		{[]string{"sales"}, "sales", "/v1/sales"},
		{[]string{"ordering"}, "ordering", "/v1/orders"},
		{[]string{"scm-adapter"}, "scm-adapter", "/v1/sku-mappings"},
		{[]string{"sales", "scm"}, "scm, sales", "/v1/batches"},
	} {
		cfg := Default()
		cfg.Services = c.services
		if got := strings.Join(cfg.Running(), ", "); got != c.running {
			t.Errorf("%v: running %q, want %q", c.services, got, c.running)
		}
		if got := tryHint(cfg, "http://h"); !strings.Contains(got, "http://h"+c.try) {
			t.Errorf("%v: try %q, want a request to %s", c.services, got, c.try)
		}
	}
}
