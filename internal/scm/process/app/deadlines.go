package app

import (
	"context"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/contract"
	"github.com/banchan/banchan/internal/scm/messages"
	"github.com/banchan/banchan/internal/scm/process/domain"
	"github.com/banchan/banchan/internal/scm/txn"
)

// dueBatch bounds the deadlines fired in one pass.
const dueBatch = 100

// FireDue fires every deadline due now: each raises FulfilmentDelayed once,
// continuing the order's causal chain. Marking a deadline fired and
// appending its event commit together, so a crash or a second process
// neither loses nor doubles one. It returns how many it fired.
func (a *App) FireDue(ctx context.Context) (int, error) {
	now := a.now()
	due, err := a.repo.Due(ctx, a.store.Read(), now, dueBatch)
	if err != nil {
		return 0, err
	}
	fired := 0
	for _, d := range due {
		err := txn.Run(ctx, a.store, func(ctx context.Context, tx event.Tx) error {
			ok, err := a.repo.Fire(ctx, tx, d)
			if err != nil || !ok {
				return err
			}
			env, err := delayed(ctx, d, now)
			if err != nil {
				return err
			}
			fired++
			return tx.Append(ctx, env)
		})
		if err != nil {
			return fired, err
		}
	}
	return fired, nil
}

// delayed is the event of a missed deadline, in the order's causal chain.
func delayed(ctx context.Context, d domain.Deadline, now time.Time) (event.Envelope, error) {
	env, err := messages.NewEvent(ctx, messages.Origin{CorrelationID: d.CorrelationID}, contract.TypeFulfilmentDelayed,
		d.OrderID, contract.FulfilmentDelayed{FulfilmentOrderID: d.OrderID, Stage: d.Stage, Deadline: d.DueAt, At: now})
	env.CausationID = d.CausationID
	return env, err
}

// RunDeadlines fires due deadlines every interval until ctx ends.
func (a *App) RunDeadlines(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := a.FireDue(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("fire deadlines", "err", err)
		} else if n > 0 {
			a.log.Info("fulfilment deadlines missed", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// MaxHistory bounds the history of a View.
const MaxHistory = 50

// View is an order's progress: its stage, allocation state, the history
// of its stages and its deadlines (pending, and fired ones as a record).
type View struct {
	OrderID    string          `json:"orderId"`
	Stage      string          `json:"stage"`
	Allocation string          `json:"allocation"`
	UpdatedAt  time.Time       `json:"updatedAt"`
	History    []domain.Change `json:"history"`
	// HistoryOmitted counts the changes between the first and the latest
	// ones that History leaves out (it holds at most MaxHistory).
	HistoryOmitted int               `json:"historyOmitted,omitempty"`
	Deadlines      []domain.Deadline `json:"deadlines"`
}

// Fulfilment returns an order's progress, or messages.ErrNotFound.
func (a *App) Fulfilment(ctx context.Context, orderID string) (View, error) {
	q := a.store.Read()
	p, found, err := a.repo.Load(ctx, q, orderID)
	if err != nil {
		return View{}, err
	}
	if !found {
		return View{}, messages.NotFound("fulfilment", orderID)
	}
	v := View{OrderID: orderID, Stage: p.Stage, Allocation: p.Allocation, UpdatedAt: p.UpdatedAt}
	if v.History, v.HistoryOmitted, err = a.repo.History(ctx, q, orderID, MaxHistory); err != nil {
		return View{}, err
	}
	v.Deadlines, err = a.repo.Deadlines(ctx, q, orderID)
	return v, err
}
