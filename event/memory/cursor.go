package memory

import "time"

// cursor is the durable state of one subscription name on one topic, the
// counterpart of a JetStream durable consumer: the next log index to look at
// and the messages handed out but not yet settled. It outlives the
// subscriptions that read from it. Every field is guarded by b.mu.
type cursor struct {
	b       *Broker
	topic   string
	next    int              // index into b.log of the next message to look at
	pending map[int64]*entry // unsettled messages by log sequence
	members []*subscription  // the open subscriptions under this name
	rr      int              // round-robin position among members
	timer   *time.Timer      // wakes the cursor when the next entry falls due
}

// entry is a message handed out at least once and not settled yet.
type entry struct {
	seq      int64
	attempts int       // deliveries so far
	gen      int       // which delivery settles it; older ones are stale
	due      time.Time // when to deliver again unless settled first
}

// pump delivers what is due and then new messages, while some member has
// room, and arms the timer for the next entry to fall due.
func (c *cursor) pump() {
	now := time.Now()
	for {
		s := c.member()
		if s == nil {
			break
		}
		e := c.due(now)
		if e == nil {
			e = c.fresh()
		}
		if e == nil {
			break
		}
		c.deliver(s, e, now)
	}
	c.schedule(now)
}

// member picks the next open subscription with room, round-robin, so that
// competing consumers share the messages.
func (c *cursor) member() *subscription {
	for i := range c.members {
		s := c.members[(c.rr+i)%len(c.members)]
		if s.inflight < s.capacity {
			c.rr = (c.rr + i + 1) % len(c.members)
			return s
		}
	}
	return nil
}

// due returns the oldest entry whose redelivery time has come.
func (c *cursor) due(now time.Time) *entry {
	var first *entry
	for _, e := range c.pending {
		if !e.due.After(now) && (first == nil || e.seq < first.seq) {
			first = e
		}
	}
	return first
}

// fresh takes the next message of the cursor's topic from the log.
func (c *cursor) fresh() *entry {
	for c.next < len(c.b.log) {
		m := &c.b.log[c.next]
		c.next++
		if m.topic == c.topic {
			e := &entry{seq: m.seq}
			c.pending[m.seq] = e
			return e
		}
	}
	return nil
}

// deliver hands e to s. The submit cannot block: s accepts at most capacity
// unfinished deliveries and each of its worker queues holds that many.
func (c *cursor) deliver(s *subscription, e *entry, now time.Time) {
	e.attempts++
	e.gen++
	e.due = now.Add(s.opts.AckWait)
	s.inflight++
	m := c.b.log[e.seq-1]
	s.pool.Submit(m.key, &delivery{c: c, seq: e.seq, gen: e.gen, attempt: e.attempts, msg: m})
}

// schedule arms the timer for the earliest entry not yet due. Entries
// already due wait for room, which a finishing handler or a new member
// brings, so they need no timer.
func (c *cursor) schedule(now time.Time) {
	var next time.Time
	for _, e := range c.pending {
		if e.due.After(now) && (next.IsZero() || e.due.Before(next)) {
			next = e.due
		}
	}
	switch {
	case next.IsZero():
		c.stop()
	case c.timer == nil:
		c.timer = time.AfterFunc(next.Sub(now), c.wake)
	default:
		c.timer.Reset(next.Sub(now))
	}
}

func (c *cursor) wake() {
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	if !c.b.closed {
		c.pump()
	}
}

func (c *cursor) stop() {
	if c.timer != nil {
		c.timer.Stop()
	}
}

// remove takes s out of the members.
func (c *cursor) remove(s *subscription) {
	for i, m := range c.members {
		if m == s {
			c.members = append(c.members[:i], c.members[i+1:]...)
			break
		}
	}
	if len(c.members) > 0 {
		c.rr %= len(c.members)
	} else {
		c.rr = 0
	}
}

// settle applies a delivery's outcome: done drops the entry, otherwise it
// falls due again after delay. A stale delivery (its message was delivered
// again since) may finish the message but not reschedule it.
func (c *cursor) settle(seq int64, gen int, done bool, delay time.Duration) {
	e, ok := c.pending[seq]
	switch {
	case !ok:
	case done:
		delete(c.pending, seq)
	case e.gen == gen:
		e.due = time.Now().Add(max(delay, 0))
		if !c.b.closed {
			c.pump()
		}
	}
}
