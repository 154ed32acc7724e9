package systemtest

import (
	"testing"
	"time"
)

// TestExternalPostgresAndNATS runs the crash scenario on an external
// PostgreSQL and NATS server: two kills and a graceful restart under load.
func TestExternalPostgresAndNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("external servers: skipped under -short")
	}
	e := newExternals(t)
	scenario{
		args:            append(e.args(e.schema(t, "all")), "--data-dir", t.TempDir()),
		stream:          e.stream,
		prefix:          e.prefix,
		natsURL:         e.natsURL,
		disruptions:     []disruption{sigkill, sigterm, sigkill},
		workers:         8,
		shutdownTimeout: 10 * time.Second,
		ackWait:         10 * time.Second,
		limitedQty:      30, // fewer orders get in here than on SQLite: still some must be backordered
		orphansAllowed:  true,
	}.run(t)
}
