package scm

import (
	"context"
	"testing"
	"time"

	"github.com/banchan/banchan/internal/scm/contract"
)

// run runs the service's background work until stop is called or the
// test ends.
func (h *harness) run() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.svc.Run(ctx) }()
	stop = func() { cancel(); <-done }
	h.t.Cleanup(stop)
	return stop
}

// TestSimulationDeliversAllocatedOrders: with --simulate the seeded stock
// is there, and allocated orders (also of SKUs the simulation did not
// seed) reach DELIVERED by themselves; a restart neither seeds twice nor
// loses the work.
func TestSimulationDeliversAllocatedOrders(t *testing.T) {
	opts := Options{Simulate: true, SimulateMinDelay: 5 * time.Millisecond, SimulateMaxDelay: 20 * time.Millisecond,
		Now: func() time.Time { return time.Now().UTC() }}
	h := newHarness(t, opts)
	stop := h.run()
	h.call("GET", "/v1/skus/MANDU-1KG", "", 200, nil) // seeded before New returns
	h.addBatch("b-own", "TTEOK-500G", 5)
	h.allocate("o-1", item("KIMCHI-500G", 2), item("TTEOK-500G", 1))
	h.allocate("o-2", item("BULGOGI-1KG", 1))
	for _, o := range []string{"o-1", "o-2"} {
		eventually(t, 15*time.Second, o+" delivered", func() bool { return h.stage(o) == "DELIVERED" })
	}
	var shipped contract.ShipmentShipped
	if envs := h.events(contract.TypeShipmentShipped); len(envs) != 2 || envs[0].Decode(&shipped) != nil ||
		shipped.Carrier != "SIM-EXPRESS" || shipped.TrackingNumber == "" {
		t.Errorf("shipped %+v", shipped)
	}

	h.allocate("o-3", item("JAPCHAE-300G", 1))
	stop()
	h.restart()
	h.run()
	eventually(t, 15*time.Second, "o-3 delivered after a restart", func() bool { return h.stage("o-3") == "DELIVERED" })
	var p struct {
		Batches []struct {
			Ref string
			Qty int
		}
	}
	h.call("GET", "/v1/products/KIMCHI-500G", "", 200, &p)
	if len(p.Batches) != 1 || p.Batches[0].Ref != "sim-KIMCHI-500G" || p.Batches[0].Qty != 500 {
		t.Errorf("seeded batches after a restart: %+v, want one of 500", p.Batches)
	}
}

// TestSimulationDefaultsDeliverWithin15s: with the default delays an
// order reaches DELIVERED within about 15 seconds.
func TestSimulationDefaultsDeliverWithin15s(t *testing.T) {
	if testing.Short() {
		t.Skip("default delays take several seconds: skipped under -short")
	}
	h := newHarness(t, Options{Simulate: true, Now: func() time.Time { return time.Now().UTC() }})
	h.run()
	h.allocate("o-1", item("KIMCHI-500G", 2), item("MANDU-1KG", 1))
	eventually(t, 15*time.Second, "o-1 delivered", func() bool { return h.stage("o-1") == "DELIVERED" })
}
