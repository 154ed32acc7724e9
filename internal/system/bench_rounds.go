package system

import (
	"context"
	"time"
)

// Alternating rounds of the broker comparisons: raw then toolkit, toolkit
// then raw, and so on, so that the drift of a shared disk or CPU falls on
// both sides alike. Publishing splits --messages over its rounds; each
// consume round reads all of them again.
const (
	publishRounds = 10
	consumeRounds = 4
)

// roundResult is what one side of a comparison did in one or more rounds.
type roundResult struct {
	ops     int64
	elapsed time.Duration
	lat     []time.Duration
	note    string
	err     error
}

func (r roundResult) add(o roundResult) roundResult {
	r.ops += o.ops
	r.elapsed += o.elapsed
	r.lat = append(r.lat, o.lat...)
	r.note = orDefault(r.note, o.note)
	r.err = cmpOr(r.err, o.err)
	return r
}

func (r roundResult) row(phase, name string) benchRow {
	return benchRow{phase: phase, name: name, ops: r.ops, elapsed: r.elapsed, note: r.note, err: r.err}.
		withLatencies(r.lat)
}

// splitRounds cuts n items into at most rounds contiguous [lo, hi) parts
// whose sizes differ by at most one.
func splitRounds(n, rounds int) [][2]int {
	rounds = min(rounds, n)
	parts := make([][2]int, 0, max(rounds, 0))
	lo := 0
	for i := range rounds {
		hi := lo + n/rounds
		if i < n%rounds {
			hi++
		}
		parts = append(parts, [2]int{lo, hi})
		lo = hi
	}
	return parts
}

// roundFunc runs one side of one round on items [lo, hi).
type roundFunc func(ctx context.Context, round, lo, hi int) roundResult

// alternate runs a and b once per part, swapping which goes first every
// round, each call bounded by timeout, and stops after the first round in
// which either fails.
func alternate(ctx context.Context, timeout time.Duration, parts [][2]int, a, b roundFunc) (ra, rb roundResult) {
	call := func(f roundFunc, round int, p [2]int) roundResult {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return f(ctx, round, p[0], p[1])
	}
	for i, p := range parts {
		if i%2 == 0 {
			ra = ra.add(call(a, i, p))
			rb = rb.add(call(b, i, p))
		} else {
			rb = rb.add(call(b, i, p))
			ra = ra.add(call(a, i, p))
		}
		if ra.err != nil || rb.err != nil {
			break
		}
	}
	return ra, rb
}
