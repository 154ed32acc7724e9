package operations

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/projection"
	"github.com/banchan/banchan/event/sqlstore"
)

// RelayStats is what the metrics read of the outbox relay.
type RelayStats interface {
	Position() int64
	Published() int64
	Republished() int64
}

// Counters is a component with counters of its own (such as a Redis
// channel): metric names without the banchan_ prefix and the _total
// suffix, and their values.
type Counters interface {
	Counters() map[string]int64
}

// Metrics serves GET /metrics in the Prometheus text format: consumer
// counters, outbox relay progress and lag, the dead letters waiting, and
// the counters of further components.
type Metrics struct {
	Consumers map[string]*event.Consumer
	Relay     RelayStats
	Store     event.Store
	// Extra components' counters by component name, each shown as
	// banchan_<name>_total{component="<component>"}.
	Extra map[string]Counters
	// Projections, if set, adds each read model's checkpoint and lag.
	Projections *projection.Runner
	Log         *slog.Logger
}

// Register adds the route to mux.
func (m Metrics) Register(mux *http.ServeMux) { mux.HandleFunc("GET /metrics", m.serve) }

func (m Metrics) serve(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	metric := func(name, typ, help string, samples ...string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		for _, s := range samples {
			fmt.Fprintf(&b, "%s%s\n", name, s)
		}
	}
	names := make([]string, 0, len(m.Consumers))
	for n := range m.Consumers {
		names = append(names, n)
	}
	sort.Strings(names)
	per := func(f func(event.ConsumerStats) int64) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = fmt.Sprintf("{subscription=%q} %d", n, f(m.Consumers[n].Stats()))
		}
		return out
	}
	metric("banchan_consumer_handled_total", "counter", "Messages handled successfully.",
		per(func(s event.ConsumerStats) int64 { return s.Handled })...)
	metric("banchan_consumer_retried_total", "counter", "Handler failures sent back for a delayed retry.",
		per(func(s event.ConsumerStats) int64 { return s.Retried })...)
	metric("banchan_consumer_dead_lettered_total", "counter", "Messages sent to the dead letters.",
		per(func(s event.ConsumerStats) int64 { return s.DeadLettered })...)
	metric("banchan_consumer_skipped_total", "counter", "Messages of types the subscription does not handle.",
		per(func(s event.ConsumerStats) int64 { return s.Skipped })...)
	metric("banchan_outbox_published_total", "counter", "Events the relay published since start.",
		fmt.Sprintf(" %d", m.Relay.Published()))
	metric("banchan_outbox_republished_total", "counter", "Events republished since start because the broker had lost its data.",
		fmt.Sprintf(" %d", m.Relay.Republished()))
	metric("banchan_outbox_relay_position", "gauge", "Last event log position the relay published.",
		fmt.Sprintf(" %d", m.Relay.Position()))
	m.extra(metric)
	m.commits(metric)
	m.projections(r.Context(), metric)
	head, dead, err := m.storeFigures(r.Context())
	if err != nil {
		m.Log.Warn("metrics", "err", err)
	} else {
		metric("banchan_event_log_position", "gauge", "Highest position in the event log.", fmt.Sprintf(" %d", head))
		metric("banchan_outbox_lag", "gauge", "Committed events not yet published.", fmt.Sprintf(" %d", max(0, head-m.Relay.Position())))
		metric("banchan_dead_letters", "gauge", "Dead letters waiting for redrive or purge.", fmt.Sprintf(" %d", dead))
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}

func (m Metrics) storeFigures(ctx context.Context) (head, dead int64, err error) {
	q := m.Store.Read()
	if err = q.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM event_log`).Scan(&head); err != nil {
		return 0, 0, err
	}
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_dead_letters`).Scan(&dead)
	return head, dead, err
}

// commitStats is a store with a group-commit writer (sqlstore).
type commitStats interface{ CommitStats() sqlstore.CommitStats }

// commits writes the store writer's figures: commits, the updates they
// held, batch time, and the histogram of the syncs that made them durable.
func (m Metrics) commits(metric func(name, typ, help string, samples ...string)) {
	cs, ok := m.Store.(commitStats)
	if !ok {
		return
	}
	st := cs.CommitStats()
	metric("banchan_store_commits_total", "counter", "Transactions the store's group-commit writer committed.",
		fmt.Sprintf(" %d", st.Commits))
	metric("banchan_store_committed_updates_total", "counter", "Updates those transactions held (updates per commit: the batching).",
		fmt.Sprintf(" %d", st.Updates))
	metric("banchan_store_batch_seconds_total", "counter", "Time the writer spent in its batches, first statement to commit.",
		fmt.Sprintf(" %g", st.BatchTime.Seconds()))
	metric("banchan_store_update_seconds", "summary", "Time each update queued to the writer took, queued to answered.",
		fmt.Sprintf("_sum %g", st.WaitTime.Seconds()), fmt.Sprintf("_count %d", st.Waits))
	buckets := make([]string, 0, len(st.SyncCounts)+2)
	var cum int64
	for i, n := range st.SyncCounts {
		cum += n
		le := "+Inf"
		if i < len(sqlstore.SyncBuckets) {
			le = fmt.Sprintf("%g", sqlstore.SyncBuckets[i].Seconds())
		}
		buckets = append(buckets, fmt.Sprintf("_bucket{le=%q} %d", le, cum))
	}
	buckets = append(buckets, fmt.Sprintf("_sum %g", st.SyncTime.Seconds()), fmt.Sprintf("_count %d", st.Syncs))
	metric("banchan_store_sync_seconds", "histogram", "Time of each sync (fsync of the engine's log) that made a commit durable.",
		buckets...)
}

// extra writes the Extra counters, one metric per name with a sample per
// component, in name and component order.
func (m Metrics) extra(metric func(name, typ, help string, samples ...string)) {
	samples := map[string][]string{}
	for component, c := range m.Extra {
		for name, v := range c.Counters() {
			samples[name] = append(samples[name], fmt.Sprintf("{component=%q} %d", component, v))
		}
	}
	names := make([]string, 0, len(samples))
	for n := range samples {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sort.Strings(samples[n])
		metric("banchan_"+n+"_total", "counter", "Counted by the component in the label.", samples[n]...)
	}
}

// projections writes each projection's live checkpoint and lag, and the
// progress of a rebuild under way.
func (m Metrics) projections(ctx context.Context, metric func(name, typ, help string, samples ...string)) {
	if m.Projections == nil {
		return
	}
	all, err := m.Projections.StatusAll(ctx)
	if err != nil {
		m.Log.Warn("metrics: projections", "err", err)
		return
	}
	var pos, lag, rebuild, applied []string
	for _, s := range all {
		l := fmt.Sprintf("{projection=%q}", s.Name)
		pos, lag = append(pos, fmt.Sprintf("%s %d", l, s.Live.Position)), append(lag, fmt.Sprintf("%s %d", l, s.Lag))
		applied = append(applied, fmt.Sprintf("%s %d", l, s.Stats.Applied))
		if s.Rebuild != nil {
			rebuild = append(rebuild, fmt.Sprintf("%s %d", l, s.Rebuild.Lag))
		}
	}
	metric("banchan_projection_position", "gauge", "Log position the live read model has applied.", pos...)
	metric("banchan_projection_lag", "gauge", "Log positions the live read model is behind the head.", lag...)
	metric("banchan_projection_applied_total", "counter", "Events applied by this process's projection runner.", applied...)
	metric("banchan_projection_rebuild_lag", "gauge", "Log positions a rebuild under way is behind the head.", rebuild...)
}
