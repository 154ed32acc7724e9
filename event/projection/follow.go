package projection

import (
	"context"
	"time"

	"github.com/banchan/banchan/event"
)

// Source is a log that signals commits.
type Source interface {
	event.LogReader
	Appended() <-chan struct{}
}

// FollowConfig selects what Follow delivers.
type FollowConfig struct {
	// After is the position to start after: 0 reads the log from the start.
	After int64
	// Types, if set, selects envelopes of these types only.
	Types []string
	// Batch is the most envelopes per call of fn (default 500).
	Batch int
	// Poll is how often to look for commits of other processes (default 1s).
	Poll time.Duration
}

// Follow subscribes to the log from a position: it calls fn with every
// envelope after cfg.After, in position order, first those the log already
// holds (catch-up) and then new ones as they commit (live), until ctx ends
// or fn fails. Catch-up and live read the same log, so the switch between
// them has no gap and no duplicate. It returns fn's error, or nil when ctx
// ends.
func Follow(ctx context.Context, src Source, cfg FollowConfig, fn func(ctx context.Context, envs []event.Envelope) error) error {
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	after := cfg.After
	for ctx.Err() == nil {
		appended := src.Appended()
		head, err := src.Head(ctx)
		if err != nil {
			return stopped(ctx, err)
		}
		if after >= head {
			waitCommit(ctx, appended, cfg.Poll)
			continue
		}
		envs, err := src.QueryLog(ctx, event.LogQuery{After: after, Until: head, Types: cfg.Types, Limit: cfg.Batch})
		if err != nil {
			return stopped(ctx, err)
		}
		if len(envs) == 0 {
			after = head
			continue
		}
		if err := fn(ctx, envs); err != nil {
			return err
		}
		after = envs[len(envs)-1].Position
		if len(envs) < cfg.Batch {
			after = head
		}
	}
	return nil
}

// stopped is nil when err only means that ctx ended: Follow was asked to
// stop, not failed.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func waitCommit(ctx context.Context, appended <-chan struct{}, poll time.Duration) {
	t := time.NewTimer(poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-appended:
	case <-t.C:
	}
}
