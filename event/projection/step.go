package projection

import (
	"context"
	"time"

	"github.com/banchan/banchan/event"
)

// liveBatches bounds the live batches applied before a rebuild batch, so
// that neither starves the other.
const liveBatches = 4

// A live generation's checkpoint is not written for a read that found none
// of its types, unless that leaves it more than maxUnwritten positions or
// maxUnwrittenAge behind what was read: most commits carry nothing for a
// given projection, and writing the checkpoint for each of them would cost
// a write per projection per commit. The runner remembers where it read up
// to (scanned); a restart reads those positions again and finds nothing.
const (
	maxUnwritten    = 10000
	maxUnwrittenAge = time.Second
)

// scan is how far a live generation's log has been read in this process,
// and when its checkpoint was last written.
type scan struct {
	generation int64
	position   int64
	written    time.Time
}

// readFrom is where the live generation's next read starts: its checkpoint,
// or further if this process has read past it.
func (r *Runner) readFrom(name string, live Generation) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if sc, ok := r.scanned[name]; ok && sc.generation == live.Generation && sc.position > live.Position {
		return sc.position
	}
	return live.Position
}

func (r *Runner) setScanned(name string, gen, pos int64, written bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sc := r.scanned[name]
	if sc.generation != gen {
		sc = scan{generation: gen}
	}
	sc.position = max(sc.position, pos)
	if written || sc.written.IsZero() {
		sc.written = r.cfg.Now()
	}
	r.scanned[name] = sc
}

// mayDefer reports whether a live checkpoint from stored to pos, over no
// events of the projection, may stay unwritten for now.
func (r *Runner) mayDefer(name string, gen, stored, pos int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	sc, ok := r.scanned[name]
	return ok && sc.generation == gen && pos-stored <= maxUnwritten && r.cfg.Now().Sub(sc.written) < maxUnwrittenAge
}

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
	from := r.readFrom(name, st.live)
	for i := 0; i < liveBatches && from < head; i++ {
		if from, err = r.applyLive(ctx, p, &st.live, from, head); err != nil {
			return false, err
		}
	}
	busy = from < head
	if !busy && st.live.Position < from && !r.mayDefer(name, st.live.Generation, st.live.Position, from) {
		// Caught up with a deferred checkpoint that has waited long enough.
		if err := r.write(ctx, p, st.live, nil, from); err != nil {
			return false, err
		}
		st.live.Position = from
		r.setScanned(name, st.live.Generation, from, true)
	}
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

// applyLive is apply for the live generation g, reading from from (at or
// past its checkpoint); g's checkpoint moves on when it is written. It
// returns where the next read starts.
func (r *Runner) applyLive(ctx context.Context, p Projection, g *Generation, from, head int64) (int64, error) {
	envs, until, err := r.read(ctx, p, from, head)
	if err != nil {
		return from, err
	}
	if len(envs) == 0 && r.mayDefer(p.Name(), g.Generation, g.Position, until) {
		r.setScanned(p.Name(), g.Generation, until, false)
		return until, nil
	}
	if err := r.write(ctx, p, *g, envs, until); err != nil {
		return from, err
	}
	g.Position = until
	r.setScanned(p.Name(), g.Generation, until, true)
	return until, nil
}

// apply reads one batch after g's checkpoint (up to head) and applies it
// together with the new checkpoint. It returns the new checkpoint.
func (r *Runner) apply(ctx context.Context, p Projection, g Generation, head int64) (int64, error) {
	envs, until, err := r.read(ctx, p, g.Position, head)
	if err != nil {
		return g.Position, err
	}
	if err := r.write(ctx, p, g, envs, until); err != nil {
		return g.Position, err
	}
	return until, nil
}

// read returns the projection's envelopes after from, and the position up
// to which the log has been read.
func (r *Runner) read(ctx context.Context, p Projection, from, head int64) ([]event.Envelope, int64, error) {
	until := min(head, from+r.cfg.Window)
	envs, err := r.store.QueryLog(ctx, event.LogQuery{After: from, Until: until,
		Types: p.Types(), Limit: r.cfg.Batch})
	if err != nil {
		return nil, from, err
	}
	if len(envs) == r.cfg.Batch {
		// The batch is full: more may follow below until.
		until = envs[len(envs)-1].Position
	}
	return envs, until, nil
}

// write applies envs to generation g and moves its checkpoint to until, in
// one transaction.
func (r *Runner) write(ctx context.Context, p Projection, g Generation, envs []event.Envelope, until int64) error {
	err := r.store.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		if len(envs) > 0 {
			if err := p.Apply(ctx, tx, g.Generation, envs); err != nil {
				return err
			}
		}
		return advance(ctx, tx, p.Name(), g.Generation, g.Position, until)
	})
	if err != nil {
		return err
	}
	r.count(p.Name(), func(s *Stats) { s.Applied += int64(len(envs)); s.Batches++ })
	return nil
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
