package projection

import (
	"context"
	"fmt"
	"time"

	"github.com/banchan/banchan/event"
)

// Status is a projection's live generation, its rebuild if one runs, and
// how far each is behind the log head (in log positions).
type Status struct {
	Name    string     `json:"name"`
	Live    Generation `json:"live"`
	Lag     int64      `json:"lag"`
	Head    int64      `json:"head"`
	Rebuild *Rebuild   `json:"rebuild,omitempty"`
	Stats   Stats      `json:"stats"`
}

// Rebuild is a generation being built beside the live one.
type Rebuild struct {
	Generation int64     `json:"generation"`
	Position   int64     `json:"position"`
	StartedAt  time.Time `json:"startedAt"`
	Lag        int64     `json:"lag"`
}

// Names lists the registered projections in registration order.
func (r *Runner) Names() []string {
	out := make([]string, len(r.projs))
	for i, p := range r.projs {
		out[i] = p.Name()
	}
	return out
}

// Status reports one projection, or event.ErrNotFound. It reads the store,
// so any process sharing it can answer for the runner that does the work.
func (r *Runner) Status(ctx context.Context, name string) (Status, error) {
	if r.byName[name] == nil {
		return Status{}, fmt.Errorf("projection %q: %w", name, event.ErrNotFound)
	}
	head, err := r.store.Head(ctx)
	if err != nil {
		return Status{}, err
	}
	st, found, err := loadState(ctx, r.store.Read(), name)
	if err != nil {
		return Status{}, err
	}
	if !found {
		return Status{}, fmt.Errorf("projection %q has no live generation: %w", name, event.ErrNotFound)
	}
	// What this process has read past the checkpoint (finding nothing of
	// the projection's) counts as done.
	st.live.Position = min(head, r.readFrom(name, st.live))
	s := Status{Name: name, Live: st.live, Head: head, Lag: max(0, head-st.live.Position)}
	if st.building != nil {
		b := st.building
		s.Rebuild = &Rebuild{Generation: b.Generation, Position: b.Position, StartedAt: b.StartedAt,
			Lag: max(0, head-b.Position)}
	}
	r.mu.Lock()
	s.Stats = *r.stats[name]
	r.mu.Unlock()
	return s, nil
}

// StatusAll reports every projection.
func (r *Runner) StatusAll(ctx context.Context) ([]Status, error) {
	out := make([]Status, 0, len(r.projs))
	for _, p := range r.projs {
		s, err := r.Status(ctx, p.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Rebuild starts building a new generation of the projection from position
// 0 beside the live one; it reports the generation and whether it was
// started now (false: a rebuild was already running, and that is the one
// returned). The runner that applies the projection switches to it once it
// has caught up.
func (r *Runner) Rebuild(ctx context.Context, name string) (Generation, bool, error) {
	if r.byName[name] == nil {
		return Generation{}, false, fmt.Errorf("projection %q: %w", name, event.ErrNotFound)
	}
	var g Generation
	var started bool
	err := r.store.Update(ctx, func(ctx context.Context, tx event.Tx) error {
		var err error
		g, started, err = startBuilding(ctx, tx, name, r.cfg.Now())
		return err
	})
	if err != nil {
		return Generation{}, false, err
	}
	select {
	case r.wake[name] <- struct{}{}:
	default:
	}
	return g, started, nil
}
