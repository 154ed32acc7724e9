package redischan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/scm/inventory/adapters"
	"github.com/banchan/banchan/internal/scm/inventory/domain"
)

// ErrMalformed reports a message that is not a change_batch_quantity
// object; it is permanent.
var ErrMalformed = errors.New("malformed message")

// decode reads exactly {"batchref": string, "qty": integer >= 0}: field
// names match exactly (encoding/json alone would take "BatchRef" too) and
// nothing else may be there.
func decode(payload []byte) (ref string, qty int, err error) {
	if len(payload) > MaxMessage {
		return "", 0, malformed("%d bytes: a change_batch_quantity message is at most %d", len(payload), MaxMessage)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		return "", 0, malformed("want a JSON object: %v", err)
	}
	if fields == nil {
		return "", 0, malformed("want a JSON object, not null")
	}
	for k := range fields {
		if k != "batchref" && k != "qty" {
			return "", 0, malformed("unknown field %q", k)
		}
	}
	if k, twice := repeatedKey(payload); twice {
		// A map keeps the last of two members of one name: which one the
		// sender meant is anyone's guess.
		return "", 0, malformed("field %q given twice", k)
	}
	rawRef, ok := fields["batchref"]
	if !ok || json.Unmarshal(rawRef, &ref) != nil || ref == "" {
		return "", 0, malformed("batchref: want a non-empty string")
	}
	if !domain.ValidRef(ref) {
		return "", 0, malformed("batchref %s: want 1-64 letters, digits or ._:- (a batch's ref)", quoteShort(ref))
	}
	rawQty, ok := fields["qty"]
	if !ok || string(rawQty) == "null" || json.Unmarshal(rawQty, &qty) != nil {
		return "", 0, malformed("qty: want an integer")
	}
	if qty < 0 {
		return "", 0, malformed("qty %d: must not be negative", qty)
	}
	return ref, qty, nil
}

// repeatedKey reports a member name that the object in payload (which
// decodes) gives twice.
func repeatedKey(payload []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	if _, err := dec.Token(); err != nil { // {
		return "", false
	}
	seen := make(map[string]bool, 2)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		k, _ := tok.(string)
		if seen[k] {
			return k, true
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
}

// MaxMessage bounds a change_batch_quantity message: the largest valid
// one is under 120 bytes. What a dead letter keeps of a longer one is cut
// to this size.
const MaxMessage = 4 << 10

// maxReason bounds a dead letter's reason.
const maxReason = 1 << 10

// quoteShort quotes s, its first 64 bytes only when longer (with their
// length), for a message that names a value that may be huge.
func quoteShort(s string) string {
	if len(s) <= 64 {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q… (%d bytes)", strings.ToValidUTF8(s[:64], ""), len(s))
}

func malformed(format string, args ...any) error {
	return event.Permanent(fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...))
}

// permanent reports an error that no retry can fix.
func permanent(err error) bool {
	return event.IsPermanent(err) || errors.Is(err, domain.ErrInvalid) ||
		errors.Is(err, domain.ErrUnknownBatch) || errors.Is(err, adapters.ErrNotFound)
}

// handle applies one message, retrying transient failures, and
// dead-letters it when it cannot succeed. It finishes even when ctx ends
// (the message would be lost otherwise) but stops retrying then.
func (s *Subscriber) handle(ctx context.Context, payload []byte) {
	s.received.Add(1)
	attempt, err := 1, s.apply(ctx, payload)
	for ; err != nil && !permanent(err) && attempt < s.cfg.MaxAttempts; attempt++ {
		delay := s.cfg.RetryBase << (attempt - 1)
		s.retried.Add(1)
		s.log.Warn("change batch quantity failed, will retry", "attempt", attempt, "in", delay, "err", err)
		if !sleep(ctx, delay) {
			break
		}
		err = s.apply(ctx, payload)
	}
	if err == nil {
		s.handled.Add(1)
		return
	}
	s.deadLetter(ctx, payload, attempt, err)
}

// apply decodes and applies a message once.
func (s *Subscriber) apply(ctx context.Context, payload []byte) (err error) {
	ref, qty, err := decode(payload)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.HandlerTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = event.Permanent(fmt.Errorf("handler panicked: %v", r))
		}
	}()
	return s.app.ChangeBatchQuantity(ctx, ref, qty)
}

func (s *Subscriber) deadLetter(ctx context.Context, payload []byte, attempts int, cause error) {
	reason := cause.Error()
	if len(reason) > maxReason {
		reason = strings.ToValidUTF8(reason[:maxReason], "") + "…"
	}
	var key string
	if len(payload) > MaxMessage {
		// Malformed already (its reason says how long it was): kept cut,
		// and known by the whole, so that two long messages alike at the
		// start stay two dead letters.
		sum := sha256.Sum256(payload)
		key, payload = "sha256:"+hex.EncodeToString(sum[:]), payload[:MaxMessage]
	}
	dl := event.DeadLetter{Subscription: s.cfg.Name, Handler: s.cfg.Name + "/ChangeBatchQuantity",
		Subject: s.cfg.Channel, Reason: reason, Attempts: attempts, Payload: payload, Key: key,
		Accumulate: true} // Redis never redelivers: each arrival of the same message counts
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.HandlerTimeout)
	defer cancel()
	if _, err := s.dlq.PutDeadLetter(ctx, dl); err != nil {
		// Redis will not send it again: the log is all that is left of it.
		s.log.Error("store dead letter; message lost", "err", err, "reason", dl.Reason, "payload", quoteShort(string(payload)))
		return
	}
	s.dead.Add(1)
	s.log.Error("message dead-lettered", "handler", dl.Handler, "attempts", attempts, "reason", dl.Reason)
}

// Redrive applies a dead letter of this subscription again. On success the
// dead letter is deleted; on failure it is kept with the new reason and one
// more attempt.
func (s *Subscriber) Redrive(ctx context.Context, dl event.DeadLetter) error {
	if dl.Subscription != s.cfg.Name {
		return fmt.Errorf("dead letter %s belongs to %s, not %s", dl.ID, dl.Subscription, s.cfg.Name)
	}
	if err := s.apply(ctx, dl.Payload); err != nil {
		dl.Reason, dl.Attempts, dl.FailedAt = err.Error(), dl.Attempts+1, time.Now().UTC()
		if _, perr := s.dlq.PutDeadLetter(ctx, dl); perr != nil {
			return errors.Join(err, perr)
		}
		return err
	}
	s.handled.Add(1)
	return s.dlq.DeleteDeadLetter(ctx, dl.ID)
}
