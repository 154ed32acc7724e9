package system

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBenchPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample", ms(7), 99, 7 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"p50 of two is the lower", ms(1, 2), 50, time.Millisecond},
		{"p99 of ten is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.samples, tc.p); got != tc.want {
				t.Errorf("percentile(p%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestBenchWithLatenciesSorts(t *testing.T) {
	r := benchRow{}.withLatencies([]time.Duration{5, 1, 4, 2, 3})
	if r.p50 != 3 || r.p99 != 5 {
		t.Errorf("p50, p99 = %v, %v; want 3ns, 5ns", r.p50, r.p99)
	}
}

func TestBenchFlags(t *testing.T) {
	o, err := parseBenchFlags(nil, io.Discard)
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if o.duration != 5*time.Second || o.clients != 32 || o.messages != 50000 || o.size != 256 ||
		!slices.Equal(o.phases, benchPhases) {
		t.Errorf("defaults = %+v", o)
	}
	o, err = parseBenchFlags([]string{"--phases", "consume, fsync", "--clients", "4"}, io.Discard)
	if err != nil || !slices.Equal(o.phases, []string{"consume", "fsync"}) || o.clients != 4 {
		t.Errorf("phases, clients = %v, %d, %v", o.phases, o.clients, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--duration", "0s"}, "--duration"},
		{[]string{"--clients", "0"}, "--clients"},
		{[]string{"--messages", "-1"}, "--messages"},
		{[]string{"--size", "0"}, "--size"},
		{[]string{"--size", "9999999"}, "--size"},
		{[]string{"--rate", "-1"}, "--rate"},
		{[]string{"--rate", "2000000000"}, "--rate"},
		{[]string{"--phases", "fsync,disk"}, `unknown phase "disk"`},
		{[]string{"--phases", ","}, "--phases: empty"},
		{[]string{"--duration", "soon"}, "invalid value"},
		{[]string{"--no-such-flag"}, "not defined"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, err := parseBenchFlags(tc.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestBenchSplitRounds(t *testing.T) {
	for _, tc := range []struct {
		n, rounds int
		want      [][2]int
	}{
		{10, 4, [][2]int{{0, 3}, {3, 6}, {6, 8}, {8, 10}}},
		{8, 4, [][2]int{{0, 2}, {2, 4}, {4, 6}, {6, 8}}},
		{2, 4, [][2]int{{0, 1}, {1, 2}}},
		{0, 4, [][2]int{}},
	} {
		if got := splitRounds(tc.n, tc.rounds); !slices.Equal(got, tc.want) {
			t.Errorf("splitRounds(%d, %d) = %v, want %v", tc.n, tc.rounds, got, tc.want)
		}
	}
}

func TestBenchAlternate(t *testing.T) {
	var order []string
	side := func(name string) roundFunc {
		return func(ctx context.Context, round, lo, hi int) roundResult {
			if _, ok := ctx.Deadline(); !ok {
				t.Error("round without a deadline")
			}
			order = append(order, name)
			return roundResult{ops: int64(hi - lo), elapsed: time.Second}
		}
	}
	a, b := alternate(context.Background(), time.Minute, splitRounds(9, 3), side("a"), side("b"))
	if want := []string{"a", "b", "b", "a", "a", "b"}; !slices.Equal(order, want) {
		t.Errorf("order = %v, want %v", order, want)
	}
	if a.ops != 9 || b.ops != 9 || a.elapsed != 3*time.Second {
		t.Errorf("a = %+v, b = %+v", a, b)
	}
}

func TestBenchMetricSum(t *testing.T) {
	text := `# HELP banchan_consumer_handled_total Messages handled successfully.
# TYPE banchan_consumer_handled_total counter
banchan_consumer_handled_total{subscription="ordering"} 12
banchan_consumer_handled_total{subscription="scm"} 30
banchan_consumer_handled_totally_different 1000
banchan_outbox_lag 7
`
	if v, ok := metricSum(text, "banchan_consumer_handled_total"); !ok || v != 42 {
		t.Errorf("handled = %v, %v; want 42", v, ok)
	}
	if v, ok := metricSum(text, "banchan_outbox_lag"); !ok || v != 7 {
		t.Errorf("lag = %v, %v; want 7", v, ok)
	}
	if _, ok := metricSum(text, "banchan_missing"); ok {
		t.Error("missing metric reported as found")
	}
}

func TestBenchRatioAndCommandLine(t *testing.T) {
	if got := ratio(900, 1000, "raw"); got != "0.90× raw" {
		t.Errorf("ratio = %q", got)
	}
	if got := ratio(900, 0, "raw"); got != "-" {
		t.Errorf("ratio without a base = %q, want -", got)
	}
	if got := commandLine([]string{"--dir", "/mnt/my disk", "--clients", "8"}); got != `banchan bench --dir "/mnt/my disk" --clients 8` {
		t.Errorf("commandLine = %s", got)
	}
}

func TestBenchSpread(t *testing.T) {
	var samples []time.Duration
	for i := 1; i <= 1000; i++ {
		samples = append(samples, time.Duration(i)*10*time.Microsecond) // 10µs … 10ms
	}
	cases := []struct {
		bound time.Duration
		want  string
	}{
		{5 * time.Millisecond, "p10 1ms, p90 9ms, p99.9 9.99ms; 50.0% within 5ms"},
		{10 * time.Millisecond, "p10 1ms, p90 9ms, p99.9 9.99ms; 100.0% within 10ms"},
		{5 * time.Microsecond, "p10 1ms, p90 9ms, p99.9 9.99ms; 0.0% within 5µs"},
	}
	for _, c := range cases {
		if got := spread(samples, c.bound); got != c.want {
			t.Errorf("spread within %v = %q, want %q", c.bound, got, c.want)
		}
	}
	if got := spread(nil, time.Millisecond); got != "" {
		t.Errorf("no samples: %q", got)
	}
}
