package adapters

import (
	"context"
	"encoding/json"
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
	// bump SnapshotSchema when domain.Customer's JSON shape changes.
	SnapshotEvery  = 20
	SnapshotSchema = 1
)

// Internal customer event types (not part of the published language).
const (
	TypeCustomerOrderCounted   = "CustomerOrderCounted"
	TypeCustomerOrderUncounted = "CustomerOrderUncounted"
)

// customerOrder is the payload of both internal customer events.
type customerOrder struct {
	OrderID string    `json:"orderId"`
	At      time.Time `json:"at"`
}

const customerStreamPrefix = "ordering/customer-"

// CustomerStream is the log stream of customer id.
func CustomerStream(id string) string { return customerStreamPrefix + id }

// Customers keeps customer aggregates in the event log.
type Customers struct {
	repo *eventstore.Repository[domain.Customer]
}

// CustomerState is a customer loaded at a version.
type CustomerState = eventstore.Loaded[domain.Customer]

// NewCustomers builds the repository (and its snapshot table).
func NewCustomers(ctx context.Context, store eventstore.Store) (*Customers, error) {
	repo, err := eventstore.New(ctx, eventstore.Config[domain.Customer]{
		Kind: CustomerKind,
		New: func(stream string) domain.Customer {
			return domain.NewCustomer(strings.TrimPrefix(stream, customerStreamPrefix))
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

// Load folds customer id's stream (from its latest snapshot).
func (c *Customers) Load(ctx context.Context, id string) (CustomerState, error) {
	l, err := c.repo.Load(ctx, CustomerStream(id))
	if err != nil {
		return l, fmt.Errorf("load customer %s: %w", id, err)
	}
	return l, nil
}

// LoadIn loads a customer inside tx, for a change saved in tx: it sees the
// customer as tx does, so the save meets no conflict on SQLite.
func (c *Customers) LoadIn(ctx context.Context, tx event.Tx, id string) (CustomerState, error) {
	l, err := c.repo.LoadIn(ctx, tx, CustomerStream(id))
	if err != nil {
		return l, fmt.Errorf("load customer %s: %w", id, err)
	}
	return l, nil
}

// Save appends evs, caused by cause (their causation id), to the
// customer's stream at the versions after l's. event.ErrConcurrency means another writer changed
// the customer since l was loaded.
func (c *Customers) Save(ctx context.Context, tx event.Tx, l *CustomerState, cause event.Envelope, evs []domain.CustomerEvent) error {
	envs := make([]event.Envelope, 0, len(evs))
	for _, e := range evs {
		env, err := customerEnvelope(l.State.ID, e)
		if err != nil {
			return err
		}
		// Caused by the order event, but not part of the order's chain
		// (its correlation id): an order's timeline is its fulfilment, the
		// customer's tally is a story of its own. The trace continues.
		env.CausationID = cause.ID
		envs = append(envs, env.Traced(ctx))
	}
	if err := c.repo.Save(ctx, tx, l, envs...); err != nil {
		return fmt.Errorf("save customer %s: %w", l.State.ID, err)
	}
	return nil
}

// customerEnvelope maps a domain event to its envelope: internal events on
// CustomerTopic, CustomerBecameVip on the published topic.
func customerEnvelope(id string, e domain.CustomerEvent) (event.Envelope, error) {
	switch e := e.(type) {
	case domain.OrderCounted:
		return event.New(CustomerTopic, TypeCustomerOrderCounted, contract.Source, id,
			customerOrder{OrderID: e.OrderID, At: e.At})
	case domain.OrderUncounted:
		return event.New(CustomerTopic, TypeCustomerOrderUncounted, contract.Source, id,
			customerOrder{OrderID: e.OrderID, At: e.At})
	case domain.BecameVip:
		return event.New(contract.Topic, contract.TypeCustomerBecameVip, contract.Source, id,
			contract.CustomerBecameVip{CustomerID: id, Orders: e.Orders, At: e.At})
	}
	return event.Envelope{}, fmt.Errorf("customer %s: no envelope for %T", id, e)
}

// applyCustomer folds one logged event into the customer.
func applyCustomer(c *domain.Customer, env event.Envelope) error {
	e, err := customerEvent(env)
	if err != nil {
		return err
	}
	return c.Apply(e)
}

// customerEvent decodes a logged envelope into its domain event.
func customerEvent(env event.Envelope) (domain.CustomerEvent, error) {
	switch env.Type {
	case TypeCustomerOrderCounted, TypeCustomerOrderUncounted:
		var d customerOrder
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return nil, fmt.Errorf("decode %s: %w", env.Type, err)
		}
		if env.Type == TypeCustomerOrderCounted {
			return domain.OrderCounted{OrderID: d.OrderID, At: d.At}, nil
		}
		return domain.OrderUncounted{OrderID: d.OrderID, At: d.At}, nil
	case contract.TypeCustomerBecameVip:
		var d contract.CustomerBecameVip
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return nil, fmt.Errorf("decode %s: %w", env.Type, err)
		}
		return domain.BecameVip{Orders: d.Orders, At: d.At}, nil
	}
	return nil, fmt.Errorf("unknown customer event type %s", env.Type)
}

// Stats returns the repository's counters (loads, snapshots, conflicts).
func (c *Customers) Stats() *eventstore.Stats { return c.repo.Stats() }
