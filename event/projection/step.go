package projection

import (
	"context"

	"github.com/banchan/banchan/event"
)

// liveBatches bounds the live batches applied before a rebuild batch, so
// that neither starves the other.
const liveBatches = 4

// step brings the live generation up to the log head (a few batches at
// most), applies one batch of a rebuild and switches a rebuild that has
// caught up. It reports whether work remains.
func (r *Runner) step(ctx context.Context, p Projection) (busy bool, err error) {
	name := p.Name()
	st, found, err := loadState(ctx, r.store.Read(), name)
	if err != nil || !found {
		return false, err
	}
	head, err := r.store.Head(ctx)
	if err != nil {
		return false, err
	}
	for i := 0; i < liveBatches && st.live.Position < head; i++ {
		if st.live.Position, err = r.apply(ctx, p, st.live, head); err != nil {
			return false, err
		}
	}
	busy = st.live.Position < head
	if st.building == nil {
		return busy, nil
	}
	if st.building.Position < head {
		if st.building.Position, err = r.apply(ctx, p, *st.building, head); err != nil {
			return false, err
		}
	}
	if st.building.Position < st.live.Position {
		return true, nil
	}
	return busy, r.switchTo(ctx, p, st)
}

// apply reads one batch after g's checkpoint (up to head) and applies it
// together with the new checkpoint. It returns the new checkpoint.
func (r *Runner) apply(ctx context.Context, p Projection, g Generation, head int64) (int64, error) {
	until := min(head, g.Position+r.cfg.Window)
	envs, err := r.store.QueryLog(ctx, event.LogQuery{After: g.Position, Until: until,
		Types: p.Types(), Limit: r.cfg.Batch})
	if err != nil {
		return g.Position, err
	}
	if len(envs) == r.cfg.Batch {
		// The batch is full: more may follow below until.
		until = envs[len(envs)-1].Position
	}
	err = r.store.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		if len(envs) > 0 {
			if err := p.Apply(ctx, tx, g.Generation, envs); err != nil {
				return err
			}
		}
		return advance(ctx, tx, p.Name(), g.Generation, g.Position, until)
	})
	if err != nil {
		return g.Position, err
	}
	r.count(p.Name(), func(s *Stats) { s.Applied += int64(len(envs)); s.Batches++ })
	return until, nil
}

// switchTo makes a caught-up rebuild live and drops the old generation, in
// one transaction.
func (r *Runner) switchTo(ctx context.Context, p Projection, st state) error {
	err := r.store.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		if err := promote(ctx, tx, p.Name(), st, r.cfg.Now()); err != nil {
			return err
		}
		return p.Drop(ctx, tx, st.live.Generation)
	})
	if err != nil {
		return err
	}
	r.cfg.Logger.Info("projection rebuilt", "projection", p.Name(), "generation", st.building.Generation,
		"position", st.building.Position, "dropped", st.live.Generation)
	return nil
}
