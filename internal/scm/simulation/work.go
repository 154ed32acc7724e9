package simulation

import (
	"context"

	dadapters "github.com/banchan/banchan/internal/scm/delivery/adapters"
	ddomain "github.com/banchan/banchan/internal/scm/delivery/domain"
	kadapters "github.com/banchan/banchan/internal/scm/kitchen/adapters"
	kdomain "github.com/banchan/banchan/internal/scm/kitchen/domain"
	wadapters "github.com/banchan/banchan/internal/scm/warehousing/adapters"
	wdomain "github.com/banchan/banchan/internal/scm/warehousing/domain"
)

// Kitchen is what the simulation needs of the kitchen.
type Kitchen interface {
	Tasks(ctx context.Context, f kadapters.Filter) ([]kdomain.Task, error)
	Start(ctx context.Context, id string) (kdomain.Task, error)
	Done(ctx context.Context, id string) (kdomain.Task, error)
}

// Warehouse is what the simulation needs of the warehouse.
type Warehouse interface {
	Shipments(ctx context.Context, f wadapters.Filter) ([]wdomain.Shipment, error)
	Pick(ctx context.Context, id string) (wdomain.Shipment, error)
	Pack(ctx context.Context, id string) (wdomain.Shipment, error)
}

// Delivery is what the simulation needs of delivery.
type Delivery interface {
	Deliveries(ctx context.Context, f dadapters.Filter) ([]ddomain.Delivery, error)
	Ship(ctx context.Context, id, carrier, tracking string) (ddomain.Delivery, error)
	Deliver(ctx context.Context, id string) (ddomain.Delivery, error)
}

// Deps are the applications the simulation drives.
type Deps struct {
	Kitchen   Kitchen
	Warehouse Warehouse
	Delivery  Delivery
	// AddStock adds a demo batch unless it exists already.
	AddStock func(ctx context.Context, ref, sku string, qty int) error
}

// limit bounds the work looked at per status and tick.
const limit = 500

// steps lists the open work, each step with what to do.
func (s *Simulation) steps(ctx context.Context) ([]step, error) {
	var out []step
	for _, find := range []func(context.Context) ([]step, error){s.kitchenSteps, s.warehouseSteps, s.deliverySteps} {
		steps, err := find(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, steps...)
	}
	return out, nil
}

func (s *Simulation) kitchenSteps(ctx context.Context) ([]step, error) {
	var out []step
	k := s.deps.Kitchen
	for status, do := range map[string]func(context.Context, string) (kdomain.Task, error){
		kdomain.Pending: k.Start, kdomain.Cooking: k.Done} {
		tasks, err := k.Tasks(ctx, kadapters.Filter{Status: status, Limit: limit})
		if err != nil {
			return nil, err
		}
		for _, t := range tasks {
			out = append(out, step{key: "task/" + t.ID + "/" + status,
				do: func(ctx context.Context) error { _, err := do(ctx, t.ID); return err }})
		}
	}
	return out, nil
}

func (s *Simulation) warehouseSteps(ctx context.Context) ([]step, error) {
	var out []step
	w := s.deps.Warehouse
	for status, do := range map[string]func(context.Context, string) (wdomain.Shipment, error){
		wdomain.AwaitingPick: w.Pick, wdomain.PickedUp: w.Pack} {
		ss, err := w.Shipments(ctx, wadapters.Filter{Status: status, Limit: limit})
		if err != nil {
			return nil, err
		}
		for _, sh := range ss {
			out = append(out, step{key: "shipment/" + sh.ID + "/" + status,
				do: func(ctx context.Context) error { _, err := do(ctx, sh.ID); return err }})
		}
	}
	return out, nil
}

func (s *Simulation) deliverySteps(ctx context.Context) ([]step, error) {
	var out []step
	d := s.deps.Delivery
	ship := func(ctx context.Context, id string) (ddomain.Delivery, error) {
		return d.Ship(ctx, id, Carrier, trackingNumber())
	}
	for status, do := range map[string]func(context.Context, string) (ddomain.Delivery, error){
		ddomain.Ready: ship, ddomain.Shipped: d.Deliver} {
		ds, err := d.Deliveries(ctx, dadapters.Filter{Status: status, Limit: limit})
		if err != nil {
			return nil, err
		}
		for _, dl := range ds {
			out = append(out, step{key: "delivery/" + dl.ID + "/" + status,
				do: func(ctx context.Context) error { _, err := do(ctx, dl.ID); return err }})
		}
	}
	return out, nil
}
