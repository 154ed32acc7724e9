package adapters

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/event/eventstore"
	"github.com/banchan/banchan/internal/ordering/contract"
	"github.com/banchan/banchan/internal/ordering/domain"
)

// The customer aggregate in the event log.
const (
	// CustomerKind names the aggregate type (its snapshots are kept under it).
	CustomerKind = "customer"
	// CustomerTopic carries the customer's internal events; nobody
	// subscribes to it, so they stay in the log without flooding the
	// subscribers of "ordering". CustomerBecameVip goes on contract.Topic.
	CustomerTopic = "ordering-customers"
	// SnapshotEvery and SnapshotSchema configure the customer's snapshots;
	// bump SnapshotSchema when domain.Customer's JSON shape changes. Schema 2
	// is the tally alone (schema 1 held every order id).
	SnapshotEvery  = 20
	SnapshotSchema = 2
)

// Internal customer event types (not part of the published language).
const (
	TypeCustomerOrderCounted   = "CustomerOrderCounted"
	TypeCustomerOrderUncounted = "CustomerOrderUncounted"
)

// customerOrder is the payload of both internal customer events. Each
// event also says what the customer knew of the order before it
// (wasCancelled on a counted order, wasPlaced on an uncounted one), so the
// tally folds from the events alone; events logged before they said so
// are folded with a record of their orders built from the stream's start
// (see customerRecord).
type customerOrder struct {
	OrderID      string    `json:"orderId"`
	At           time.Time `json:"at"`
	WasCancelled *bool     `json:"wasCancelled,omitempty"`
	WasPlaced    *bool     `json:"wasPlaced,omitempty"`
}

const customerStreamPrefix = "ordering/customer-"

// CustomerStream is the log stream of customer id.
func CustomerStream(id string) string { return customerStreamPrefix + id }

// customerRecord is what the repository folds: the customer, and what the
// events from before wasCancelled and wasPlaced told of their orders
// (never in a snapshot: LoadIn writes it to ordering_customer_orders, so
// it is needed only until the stream's first snapshot of schema 2).
type customerRecord struct {
	domain.Customer
	legacy map[string]domain.CustomerOrder
}

// Customers keeps customer aggregates in the event log, and what each
// customer knows of each of its orders in ordering_customer_orders,
// written in the transaction of the events that change it.
type Customers struct {
	repo *eventstore.Repository[customerRecord]
}

// CustomerState is a customer loaded at a version, with what it knows of
// the one order the load was for.
type CustomerState struct {
	State   domain.Customer
	Version int64
	OrderID string
	Order   domain.CustomerOrder
	loaded  eventstore.Loaded[customerRecord]
}

// NewCustomers builds the repository (and its snapshot table).
func NewCustomers(ctx context.Context, store eventstore.Store) (*Customers, error) {
	repo, err := eventstore.New(ctx, eventstore.Config[customerRecord]{
		Kind: CustomerKind,
		New: func(stream string) customerRecord {
			return customerRecord{Customer: domain.NewCustomer(strings.TrimPrefix(stream, customerStreamPrefix))}
		},
		Apply:          applyCustomer,
		SnapshotEvery:  SnapshotEvery,
		SnapshotSchema: SnapshotSchema,
	}, store)
	if err != nil {
		return nil, fmt.Errorf("customers: %w", err)
	}
	return &Customers{repo: repo}, nil
}

// Load folds customer id's stream (from its latest snapshot), for reading.
func (c *Customers) Load(ctx context.Context, id string) (CustomerState, error) {
	l, err := c.repo.Load(ctx, CustomerStream(id))
	if err != nil {
		return CustomerState{}, fmt.Errorf("load customer %s: %w", id, err)
	}
	return CustomerState{State: l.State.Customer, Version: l.Version, loaded: l}, nil
}

// LoadIn loads a customer inside tx, for a change of order orderID saved in
// tx: it sees the customer as tx does, so the save meets no conflict on
// SQLite.
func (c *Customers) LoadIn(ctx context.Context, tx event.Tx, id, orderID string) (CustomerState, error) {
	l, err := c.repo.LoadIn(ctx, tx, CustomerStream(id))
	if err != nil {
		return CustomerState{}, fmt.Errorf("load customer %s: %w", id, err)
	}
	for order, o := range l.State.legacy {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ordering_customer_orders (customer_id, order_id, placed, cancelled)
			VALUES (?, ?, ?, ?) ON CONFLICT (customer_id, order_id) DO NOTHING`, id, order, o.Placed, o.Cancelled); err != nil {
			return CustomerState{}, fmt.Errorf("load customer %s: keep order %s: %w", id, order, err)
		}
	}
	var o domain.CustomerOrder
	err = tx.QueryRowContext(ctx, `SELECT placed, cancelled FROM ordering_customer_orders
		WHERE customer_id = ? AND order_id = ?`, id, orderID).Scan(&o.Placed, &o.Cancelled)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return CustomerState{}, fmt.Errorf("load customer %s: order %s: %w", id, orderID, err)
	}
	return CustomerState{State: l.State.Customer, Version: l.Version, OrderID: orderID, Order: o, loaded: l}, nil
}

// Save appends evs, caused by cause (their causation id), to the
// customer's stream at the versions after l's, and records what they tell
// of l's order. event.ErrConcurrency means another writer changed the
// customer since l was loaded.
func (c *Customers) Save(ctx context.Context, tx event.Tx, l *CustomerState, cause event.Envelope, evs []domain.CustomerEvent) error {
	id, o := l.State.ID, l.Order
	envs := make([]event.Envelope, 0, len(evs))
	for _, e := range evs {
		if order, ok := orderOf(e); ok && order != l.OrderID {
			return fmt.Errorf("save customer %s: an event of order %s on a load for order %s", id, order, l.OrderID)
		}
		env, err := customerEnvelope(id, e)
		if err != nil {
			return err
		}
		// Caused by the order event, but not part of the order's chain
		// (its correlation id): an order's timeline is its fulfilment, the
		// customer's tally is a story of its own. The trace continues.
		env.CausationID = cause.ID
		envs = append(envs, env.Traced(ctx))
		o.Apply(e)
	}
	if err := c.repo.Save(ctx, tx, &l.loaded, envs...); err != nil {
		return fmt.Errorf("save customer %s: %w", id, err)
	}
	if o != l.Order {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ordering_customer_orders (customer_id, order_id, placed, cancelled)
			VALUES (?, ?, ?, ?) ON CONFLICT (customer_id, order_id) DO UPDATE SET placed = excluded.placed,
			cancelled = excluded.cancelled`, id, l.OrderID, o.Placed, o.Cancelled); err != nil {
			return fmt.Errorf("save customer %s: order %s: %w", id, l.OrderID, err)
		}
	}
	l.State, l.Version, l.Order = l.loaded.State.Customer, l.loaded.Version, o
	return nil
}

// orderOf is the order an event is about (none for BecameVip).
func orderOf(e domain.CustomerEvent) (string, bool) {
	switch e := e.(type) {
	case domain.OrderCounted:
		return e.OrderID, true
	case domain.OrderUncounted:
		return e.OrderID, true
	}
	return "", false
}

// customerEnvelope maps a domain event to its envelope: internal events on
// CustomerTopic, CustomerBecameVip on the published topic.
func customerEnvelope(id string, e domain.CustomerEvent) (event.Envelope, error) {
	switch e := e.(type) {
	case domain.OrderCounted:
		return event.New(CustomerTopic, TypeCustomerOrderCounted, contract.Source, id,
			customerOrder{OrderID: e.OrderID, At: e.At, WasCancelled: &e.WasCancelled})
	case domain.OrderUncounted:
		return event.New(CustomerTopic, TypeCustomerOrderUncounted, contract.Source, id,
			customerOrder{OrderID: e.OrderID, At: e.At, WasPlaced: &e.WasPlaced})
	case domain.BecameVip:
		return event.New(contract.Topic, contract.TypeCustomerBecameVip, contract.Source, id,
			contract.CustomerBecameVip{CustomerID: id, Orders: e.Orders, At: e.At})
	}
	return event.Envelope{}, fmt.Errorf("customer %s: no envelope for %T", id, e)
}

// applyCustomer folds one logged event into the customer. An event logged
// before events said what was known of their order is completed from the
// record of the orders folded so far (the stream is then folded from its
// start: no snapshot of schema 2 can precede it).
func applyCustomer(r *customerRecord, env event.Envelope) error {
	e, legacy, err := customerEvent(env)
	if err != nil {
		return err
	}
	if order, ok := orderOf(e); ok && legacy {
		if r.legacy == nil {
			r.legacy = map[string]domain.CustomerOrder{}
		}
		o := r.legacy[order]
		switch ev := e.(type) {
		case domain.OrderCounted:
			if o.Placed {
				return nil // a repeat: the old fold counted an order once
			}
			ev.WasCancelled = o.Cancelled
			e = ev
		case domain.OrderUncounted:
			if o.Cancelled {
				return nil
			}
			ev.WasPlaced = o.Placed
			e = ev
		}
		o.Apply(e)
		r.legacy[order] = o
	}
	return r.Customer.Apply(e)
}

// customerEvent decodes a logged envelope into its domain event; legacy
// reports an order event without what was known of its order before it.
func customerEvent(env event.Envelope) (e domain.CustomerEvent, legacy bool, err error) {
	switch env.Type {
	case TypeCustomerOrderCounted, TypeCustomerOrderUncounted:
		var d customerOrder
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return nil, false, fmt.Errorf("decode %s: %w", env.Type, err)
		}
		if env.Type == TypeCustomerOrderCounted {
			return domain.OrderCounted{OrderID: d.OrderID, At: d.At, WasCancelled: d.WasCancelled != nil && *d.WasCancelled},
				d.WasCancelled == nil, nil
		}
		return domain.OrderUncounted{OrderID: d.OrderID, At: d.At, WasPlaced: d.WasPlaced != nil && *d.WasPlaced},
			d.WasPlaced == nil, nil
	case contract.TypeCustomerBecameVip:
		var d contract.CustomerBecameVip
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return nil, false, fmt.Errorf("decode %s: %w", env.Type, err)
		}
		return domain.BecameVip{Orders: d.Orders, At: d.At}, false, nil
	}
	return nil, false, fmt.Errorf("unknown customer event type %s", env.Type)
}

// Stats returns the repository's counters (loads, snapshots, conflicts).
func (c *Customers) Stats() *eventstore.Stats { return c.repo.Stats() }
