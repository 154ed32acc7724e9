package app_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/sqlite"
	"github.com/banchan/banchan/event/sqlstore"
	ordering "github.com/banchan/banchan/internal/ordering/contract"
	scm "github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scmadapter/adapters"
	"github.com/banchan/banchan/internal/scmadapter/app"
	out "github.com/banchan/banchan/internal/scmadapter/contract"
)

// catalog is a fake of the SCM's item query (our own port).
type catalog map[string]bool

func (c catalog) Known(_ context.Context, code string) (bool, error) { return c[code], nil }

func setup(t *testing.T, known ...string) (*sqlstore.Store, *app.App) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"),
		sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background(), "scmadapter", append(adapters.Migrations, adapters.OrderMigrations...)); err != nil {
		t.Fatal(err)
	}
	c := catalog{}
	for _, k := range known {
		c[k] = true
	}
	return s, app.New(c, slog.New(slog.DiscardHandler))
}

// handle runs a handler the way the inbox does: inside one transaction.
func handle[T any](t *testing.T, s *sqlstore.Store, h func(context.Context, event.Tx, event.Envelope, T) error, typ string, msg T) error {
	t.Helper()
	env, err := event.New("test", typ, "/test", "x", msg)
	if err != nil {
		t.Fatal(err)
	}
	return s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error { return h(ctx, tx, env, msg) })
}

func logged(t *testing.T, s *sqlstore.Store, typ string) []event.Envelope {
	t.Helper()
	envs, err := s.QueryLog(context.Background(), event.LogQuery{Type: typ, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return envs
}

func placed(id string, skus ...string) ordering.OrderPlaced {
	o := ordering.OrderPlaced{ID: id, CustomerID: "c-1", DeliveryAddress: ordering.Address{Name: "K", Line1: "1 Road", Postcode: "06000"}}
	for _, s := range skus {
		o.Lines = append(o.Lines, ordering.Line{SKU: s, Qty: 1, UnitPrice: 100})
	}
	return o
}

func TestProgressIsPassedOnOnceAndInOrder(t *testing.T) {
	s, a := setup(t)
	at := time.Now().UTC()
	steps := []error{
		handle(t, s, a.CookingStarted, scm.TypeCookingStarted, scm.CookingStarted{FulfilmentOrderID: "o-1", TaskID: "t1", At: at}),
		handle(t, s, a.CookingStarted, scm.TypeCookingStarted, scm.CookingStarted{FulfilmentOrderID: "o-1", TaskID: "t2", At: at}),
		handle(t, s, a.ShipmentPacked, scm.TypeShipmentPacked, scm.ShipmentProgress{FulfilmentOrderID: "o-1", At: at}),
		handle(t, s, a.ShipmentPickedUp, scm.TypeShipmentPickedUp, scm.ShipmentProgress{FulfilmentOrderID: "o-1", At: at}),
		handle(t, s, a.ShipmentShipped, scm.TypeShipmentShipped, scm.ShipmentShipped{FulfilmentOrderID: "o-1",
			Carrier: "CJ", TrackingNumber: "T-1", At: at}),
		handle(t, s, a.ShipmentDelivered, scm.TypeShipmentDelivered, scm.ShipmentDelivered{FulfilmentOrderID: "o-1", At: at}),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	var got []string
	for _, e := range logged(t, s, out.TypeOrderProgressed) {
		got = append(got, e.Subject+":"+stageOf(t, e))
	}
	want := "o-1:COOKING o-1:PACKED o-1:SHIPPED o-1:DELIVERED"
	if strings.Join(got, " ") != want {
		t.Errorf("progress told to ordering: %v, want %s (a second cook task and a late pick are not news)", got, want)
	}
	if err := handle(t, s, a.CookingStarted, scm.TypeCookingStarted, scm.CookingStarted{}); !event.IsPermanent(err) {
		t.Errorf("progress without an order id: %v, want a permanent error", err)
	}
}

func stageOf(t *testing.T, e event.Envelope) string {
	var p out.OrderProgressed
	if err := e.Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p.Status
}

func TestUnknownMappingIsPermanentUntilFixed(t *testing.T) {
	s, a := setup(t, "KIMCHI-500G")
	err := handle(t, s, a.OrderPlaced, ordering.TypeOrderPlaced, placed("o-1", "KIMCHI-500G", "NOPE-1"))
	if !event.IsPermanent(err) || !strings.Contains(err.Error(), "PUT /v1/sku-mappings/NOPE-1") {
		t.Fatalf("an order with an unknown item: %v, want a permanent error naming the fix", err)
	}
	if n := len(logged(t, s, scm.TypeAllocateFulfilmentOrder)); n != 0 {
		t.Fatalf("%d commands sent for an order that failed", n)
	}
	put := func(m adapters.Mapping) {
		if err := s.Update(context.Background(), func(ctx context.Context, tx event.Tx) error {
			return a.Mappings().Put(ctx, tx, m)
		}); err != nil {
			t.Fatal(err)
		}
	}
	put(adapters.Mapping{SKU: "NOPE-1", ItemCode: "STILL-NOPE", Physical: true})
	err = handle(t, s, a.OrderPlaced, ordering.TypeOrderPlaced, placed("o-1", "KIMCHI-500G", "NOPE-1"))
	if !event.IsPermanent(err) || !strings.Contains(err.Error(), "maps to SCM item STILL-NOPE") {
		t.Fatalf("a mapping to an unknown item: %v", err)
	}
	put(adapters.Mapping{SKU: "NOPE-1", ItemCode: "KIMCHI-500G", Physical: true})
	if err := handle(t, s, a.OrderPlaced, ordering.TypeOrderPlaced, placed("o-1", "NOPE-1")); err != nil {
		t.Fatalf("after the fix: %v", err)
	}
	cmds := logged(t, s, scm.TypeAllocateFulfilmentOrder)
	var cmd scm.AllocateFulfilmentOrder
	if len(cmds) != 1 || cmds[0].Decode(&cmd) != nil || cmd.Items[0].ItemCode != "KIMCHI-500G" {
		t.Errorf("commands after the fix: %+v", cmd)
	}
}

func TestCancellationReachesTheSCMOnlyForOrdersItHas(t *testing.T) {
	s, a := setup(t, "KIMCHI-500G")
	cancel := func(id string) error {
		return handle(t, s, a.OrderCancelled, ordering.TypeOrderCancelled, ordering.OrderCancelled{ID: id, Reason: "changed mind"})
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(handle(t, s, a.OrderPlaced, ordering.TypeOrderPlaced, placed("o-1", "KIMCHI-500G")))
	must(cancel("o-1"))
	must(cancel("o-1")) // a repeat
	must(handle(t, s, a.OrderPlaced, ordering.TypeOrderPlaced, placed("gift", "GIFT-CARD-10")))
	must(cancel("gift"))
	must(cancel("early")) // cancelled before its OrderPlaced came through
	must(handle(t, s, a.OrderPlaced, ordering.TypeOrderPlaced, placed("early", "KIMCHI-500G")))
	cancels := logged(t, s, scm.TypeCancelFulfilmentOrder)
	if len(cancels) != 1 || cancels[0].Subject != "o-1" {
		t.Errorf("cancel commands: %d (%v), want one for o-1", len(cancels), cancels)
	}
	if allocs := logged(t, s, scm.TypeAllocateFulfilmentOrder); len(allocs) != 1 {
		t.Errorf("%d allocate commands, want only o-1's (the gift card is filtered, 'early' was cancelled)", len(allocs))
	}
	if err := cancel(""); !event.IsPermanent(err) {
		t.Errorf("cancel without an id: %v", err)
	}
}

// TestOutcomesComeBackUnderTheOrdersOwnSKUs: two SKUs that map to one
// item go to the SCM as one line of the whole quantity, and the SCM's
// answers come back under the SKU this order used, not another SKU mapped
// to the same item.
func TestOutcomesComeBackUnderTheOrdersOwnSKUs(t *testing.T) {
	s, a := setup(t, "KIMCHI-500G")
	ctx := context.Background()
	err := s.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		return a.Mappings().Put(ctx, tx, adapters.Mapping{SKU: "KIMCHI-XL", ItemCode: "KIMCHI-500G", Physical: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	// o-1 orders the item by its own code; o-2 by both SKUs (a mapping
	// changed after ordering took it).
	for _, o := range []ordering.OrderPlaced{placed("o-1", "KIMCHI-500G"), placed("o-2", "KIMCHI-XL", "KIMCHI-500G")} {
		if err := handle(t, s, a.OrderPlaced, ordering.TypeOrderPlaced, o); err != nil {
			t.Fatal(err)
		}
	}
	cmds := logged(t, s, scm.TypeAllocateFulfilmentOrder)
	if len(cmds) != 2 {
		t.Fatalf("%d commands, want 2", len(cmds))
	}
	var c2 scm.AllocateFulfilmentOrder
	if err := cmds[1].Decode(&c2); err != nil {
		t.Fatal(err)
	}
	if len(c2.Items) != 1 || c2.Items[0] != (scm.Item{ItemCode: "KIMCHI-500G", Quantity: 2}) {
		t.Errorf("o-2 items %+v, want one line of KIMCHI-500G ×2", c2.Items)
	}
	for _, c := range []struct{ order, sku string }{{"o-1", "KIMCHI-500G"}, {"o-2", "KIMCHI-XL"}} {
		err := handle(t, s, a.FulfilmentAllocated, scm.TypeFulfilmentAllocated, scm.FulfilmentAllocated{FulfilmentOrderID: c.order,
			Revision: 1, Allocations: []scm.Allocation{{ItemCode: "KIMCHI-500G", Quantity: 1, BatchRef: "b-1"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, env := range logged(t, s, out.TypeOrderAllocated) {
		var got out.OrderAllocated
		if err := env.Decode(&got); err != nil {
			t.Fatal(err)
		}
		want := []string{"KIMCHI-500G", "KIMCHI-XL"}[i]
		if len(got.Lines) != 1 || got.Lines[0].SKU != want {
			t.Errorf("%s allocated as %+v, want its line under %s", got.OrderID, got.Lines, want)
		}
	}
}
