package system

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/banchan/banchan/event/projection"
)

// progress follows a rebuild until its generation is live, drawing a bar
// with events per second and the time left.
type progress struct {
	c    apiClient
	name string
	gen  int64
	out  io.Writer
	tty  bool
}

func (p progress) wait(ctx context.Context) error {
	start, last := time.Now(), time.Time{}
	var first int64 = -1
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := p.status(ctx)
		if err != nil {
			return err
		}
		if st.Rebuild == nil || st.Rebuild.Generation != p.gen {
			if st.Live.Generation < p.gen {
				return fmt.Errorf("%s: generation %d is gone and generation %d is live", p.name, p.gen, st.Live.Generation)
			}
			p.finish(st, time.Since(start))
			return nil
		}
		pos := st.Rebuild.Position
		if first < 0 {
			first = pos
		}
		if p.tty || time.Since(last) >= time.Second {
			p.draw(pos, st.Head, float64(pos-first)/max(time.Since(start).Seconds(), 1e-3))
			last = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: still rebuilding at %d of %d: %w", p.name, pos, st.Head, ctx.Err())
		case <-tick.C:
		}
	}
}

func (p progress) status(ctx context.Context) (projection.Status, error) {
	body, err := p.c.fetch(ctx, http.MethodGet, "/v1/projections/"+url.PathEscape(p.name))
	if err != nil {
		return projection.Status{}, err
	}
	var st projection.Status
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("projection %s: %w", p.name, err)
	}
	return st, nil
}

// draw renders one progress line: on a terminal in place, otherwise as a
// line of its own (at most once a second).
func (p progress) draw(pos, head int64, rate float64) {
	const width = 30
	frac := 1.0
	if head > 0 {
		frac = min(float64(pos)/float64(head), 1)
	}
	n := int(frac * width)
	left := "?"
	if rate > 0 {
		left = (time.Duration(float64(head-pos)/rate) * time.Second).Round(time.Second).String()
	}
	line := fmt.Sprintf("%s [%s%s] %3.0f%%  %d/%d  %.0f events/s  %s left", p.name,
		strings.Repeat("#", n), strings.Repeat(".", width-n), frac*100, pos, head, rate, left)
	if p.tty {
		fmt.Fprintf(p.out, "\r%s\x1b[K", line)
		return
	}
	fmt.Fprintln(p.out, line)
}

func (p progress) finish(st projection.Status, took time.Duration) {
	if p.tty {
		fmt.Fprint(p.out, "\r\x1b[K")
	}
	fmt.Fprintf(p.out, "%s: generation %d live at position %d (head %d), switched after %s\n",
		p.name, st.Live.Generation, st.Live.Position, st.Head, took.Round(time.Millisecond))
}
