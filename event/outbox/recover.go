package outbox

import (
	"context"
	"fmt"

	"github.com/banchan/banchan/event"
)

// epochPublisher is a publisher that identifies the incarnation of its
// storage: the value changes when the broker has lost what it stored (as
// natsjs.Broker.Epoch does).
type epochPublisher interface {
	Epoch(ctx context.Context) (int64, error)
}

// checkpointResetter stores a named value even if it is lower than the one
// stored (as sqlstore.Store.ResetCheckpoint does).
type checkpointResetter interface {
	ResetCheckpoint(ctx context.Context, name string, position int64) error
}

// epochName is the checkpoint holding the epoch of the broker that the
// relay last published to.
func (r *Relay) epochName() string { return r.cfg.Name + "/broker-epoch" }

// recover compares the broker's epoch with the one recorded. Nothing
// recorded (a first start) records it. A different one means the broker
// lost its data: what subscriptions have not acknowledged up to upTo (the
// checkpoint) is published again, and only then the new epoch is recorded,
// so that a crash meanwhile recovers again (republishing is harmless: the
// broker drops repeated ids and the inboxes ignore them).
func (r *Relay) recover(ctx context.Context, upTo int64) error {
	ep, ok := r.pub.(epochPublisher)
	if !ok {
		return nil
	}
	epoch, err := ep.Epoch(ctx)
	if err != nil {
		return fmt.Errorf("outbox: broker epoch: %w", err)
	}
	known, err := r.cp.Checkpoint(ctx, r.epochName())
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if epoch == known || epoch == 0 {
		return nil
	}
	if known != 0 && upTo > 0 {
		r.cfg.Logger.Info("outbox relay: the broker's storage is new; republishing what subscriptions have not acknowledged",
			"up_to", upTo, "epoch", epoch, "previous_epoch", known)
		n, logged, err := r.republish(ctx, upTo)
		if err != nil {
			return fmt.Errorf("outbox: republish after the broker lost its data: %w", err)
		}
		r.cfg.Logger.Warn(fmt.Sprintf("broker lost its data; republished %d of %d logged events", n, logged),
			"republished", n, "logged", logged, "up_to", upTo)
	}
	return r.recordEpoch(ctx, epoch)
}

// republish publishes, in log order, what subscriptions have not
// acknowledged at positions (0, upTo], one span of Batch positions at a
// time. It returns how many envelopes it published and how many the log
// holds up to upTo.
func (r *Relay) republish(ctx context.Context, upTo int64) (n, logged int, err error) {
	span := int64(r.cfg.Batch)
	for after := int64(0); after < upTo; after += span {
		envs, m, err := r.unacknowledged(ctx, after, min(after+span, upTo))
		if err != nil {
			return n, logged, err
		}
		if len(envs) > 0 {
			if err := r.pub.Publish(ctx, envs...); err != nil {
				return n, logged, err
			}
		}
		n, logged = n+len(envs), logged+m
		r.republished.Add(int64(len(envs)))
	}
	return n, logged, nil
}

// unacknowledged is what subscriptions wait for in (after, until]: the
// log's backlog if it keeps one, else every envelope (inboxes ignore what
// their subscription already handled).
func (r *Relay) unacknowledged(ctx context.Context, after, until int64) ([]event.Envelope, int, error) {
	if b, ok := r.log.(event.Backlog); ok {
		return b.Unacknowledged(ctx, after, until)
	}
	envs, err := r.log.ReadLog(ctx, after, int(until-after))
	if err != nil {
		return nil, 0, err
	}
	for len(envs) > 0 && envs[len(envs)-1].Position > until {
		envs = envs[:len(envs)-1]
	}
	return envs, len(envs), nil
}

// recordEpoch stores the broker's epoch. Without a resetter, an epoch lower
// than the recorded one (a clock set back) cannot be stored, and the next
// start recovers once more: wasted work, nothing lost.
func (r *Relay) recordEpoch(ctx context.Context, epoch int64) error {
	var err error
	if rc, ok := r.cp.(checkpointResetter); ok {
		err = rc.ResetCheckpoint(ctx, r.epochName(), epoch)
	} else {
		err = r.cp.SetCheckpoint(ctx, r.epochName(), epoch)
	}
	if err != nil {
		return fmt.Errorf("outbox: record broker epoch: %w", err)
	}
	return nil
}
