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

// sequencedPublisher is a publisher whose broker numbers what it stores:
// Acknowledged is the highest number the broker gave this publisher's
// messages, LastSequence the highest it holds now. A broker that holds less
// than it acknowledged lost its last messages (an embedded broker that does
// not fsync every message, after the machine crashed).
type sequencedPublisher interface {
	Acknowledged() uint64
	LastSequence(ctx context.Context) (uint64, error)
}

// checkpointResetter stores a named value even if it is lower than the one
// stored (as sqlstore.Store.ResetCheckpoint does).
type checkpointResetter interface {
	ResetCheckpoint(ctx context.Context, name string, position int64) error
}

// epochName is the checkpoint holding the epoch of the broker that the
// relay last published to.
func (r *Relay) epochName() string { return r.cfg.Name + "/broker-epoch" }

// sequenceName is the checkpoint holding the broker's sequence number of
// the last message the relay published (see sequencedPublisher); it is
// stored with, or before, the position that covers that message.
func (r *Relay) sequenceName() string { return r.cfg.Name + "/broker-sequence" }

// recover compares the broker's epoch with the one recorded. Nothing
// recorded (a first start) records it. A different one means the broker
// lost its data: what subscriptions have not acknowledged up to upTo (the
// checkpoint) is published again, and only then the new epoch is recorded,
// so that a crash meanwhile recovers again (republishing is harmless: the
// broker drops repeated ids and the inboxes ignore them).
func (r *Relay) recover(ctx context.Context, upTo int64) error {
	renewed, err := r.recoverEpoch(ctx, upTo)
	if err != nil {
		return err
	}
	return r.recoverTail(ctx, upTo, renewed)
}

// recoverTail compares the broker's last sequence number with the one the
// relay recorded: lower means the broker lost its last messages, and what
// subscriptions have not acknowledged up to upTo is published again (as
// for a lost storage). Then the broker's sequence is recorded afresh. With
// renewed (the storage was new and has been republished), only the record
// is renewed.
func (r *Relay) recoverTail(ctx context.Context, upTo int64, renewed bool) error {
	sp, ok := r.pub.(sequencedPublisher)
	if !ok {
		return nil
	}
	last, err := sp.LastSequence(ctx)
	if err != nil {
		return fmt.Errorf("outbox: broker sequence: %w", err)
	}
	known, err := r.cp.Checkpoint(ctx, r.sequenceName())
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if known <= int64(last) && !renewed {
		return nil
	}
	if !renewed && upTo > 0 {
		r.cfg.Logger.Info("outbox relay: the broker holds fewer messages than it acknowledged; republishing what subscriptions have not acknowledged",
			"up_to", upTo, "broker_last_sequence", last, "acknowledged_sequence", known)
		if err := r.republishLost(ctx, upTo, "its last messages"); err != nil {
			return err
		}
	}
	return r.resetTo(ctx, r.sequenceName(), int64(max(last, sp.Acknowledged())), "broker sequence")
}

// multiCheckpointer stores several checkpoints in one transaction (as
// sqlstore.Store.SetCheckpoints does).
type multiCheckpointer interface {
	SetCheckpoints(ctx context.Context, positions map[string]int64) error
}

// checkpoint records that everything up to position is published, with the
// broker's sequence of it when the broker numbers messages: together, or
// the sequence first, so that a recorded position is never ahead of the
// sequence that covers it.
func (r *Relay) checkpoint(ctx context.Context, position int64) error {
	sp, ok := r.pub.(sequencedPublisher)
	if !ok {
		return r.cp.SetCheckpoint(ctx, r.cfg.Name, position)
	}
	seq := int64(sp.Acknowledged())
	if mc, ok := r.cp.(multiCheckpointer); ok {
		return mc.SetCheckpoints(ctx, map[string]int64{r.sequenceName(): seq, r.cfg.Name: position})
	}
	if err := r.cp.SetCheckpoint(ctx, r.sequenceName(), seq); err != nil {
		return fmt.Errorf("outbox: record broker sequence: %w", err)
	}
	return r.cp.SetCheckpoint(ctx, r.cfg.Name, position)
}

// recoverEpoch is the epoch half of recover; renewed reports a broker
// whose storage was new.
func (r *Relay) recoverEpoch(ctx context.Context, upTo int64) (renewed bool, err error) {
	ep, ok := r.pub.(epochPublisher)
	if !ok {
		return false, nil
	}
	epoch, err := ep.Epoch(ctx)
	if err != nil {
		return false, fmt.Errorf("outbox: broker epoch: %w", err)
	}
	known, err := r.cp.Checkpoint(ctx, r.epochName())
	if err != nil {
		return false, fmt.Errorf("outbox: %w", err)
	}
	if epoch == known || epoch == 0 {
		return false, nil
	}
	if known != 0 && upTo > 0 {
		r.cfg.Logger.Info("outbox relay: the broker's storage is new; republishing what subscriptions have not acknowledged",
			"up_to", upTo, "epoch", epoch, "previous_epoch", known)
		if err := r.republishLost(ctx, upTo, "its data"); err != nil {
			return false, err
		}
	}
	return true, r.resetTo(ctx, r.epochName(), epoch, "broker epoch")
}

// republishLost republishes what subscriptions have not acknowledged up to
// upTo, after the broker lost what (its data, its last messages), and logs
// how much.
func (r *Relay) republishLost(ctx context.Context, upTo int64, what string) error {
	n, logged, err := r.republish(ctx, upTo)
	if err != nil {
		return fmt.Errorf("outbox: republish after the broker lost %s: %w", what, err)
	}
	r.cfg.Logger.Warn(fmt.Sprintf("broker lost %s; republished %d of %d logged events", what, n, logged),
		"republished", n, "logged", logged, "up_to", upTo)
	return nil
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

// resetTo stores a value of the broker (its epoch or sequence) even if it
// is lower than the recorded one. Without a resetter a lower value (a clock
// set back, a new stream) cannot be stored, and the next start recovers
// once more: wasted work, nothing lost.
func (r *Relay) resetTo(ctx context.Context, name string, v int64, what string) error {
	var err error
	if rc, ok := r.cp.(checkpointResetter); ok {
		err = rc.ResetCheckpoint(ctx, name, v)
	} else {
		err = r.cp.SetCheckpoint(ctx, name, v)
	}
	if err != nil {
		return fmt.Errorf("outbox: record %s: %w", what, err)
	}
	return nil
}
