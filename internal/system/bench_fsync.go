package system

import (
	"context"
	"fmt"
	"os"
	"time"
)

// fsyncBlock is one SQLite page: the smallest write a commit makes.
const fsyncBlock = 4096

// fsyncWrap bounds the file: writes wrap around like a reused WAL.
const fsyncWrap = 64 << 20

// fsyncPhase measures the disk's limit for one commit at a time: write one
// block, fsync it, repeat, from one goroutine, for --duration.
func (b *bench) fsyncPhase(ctx context.Context) ([]benchRow, error) {
	name := fmt.Sprintf("write %d B + fsync, 1 writer", fsyncBlock)
	f, err := os.CreateTemp(b.dir, "fsync-*.dat")
	if err != nil {
		return []benchRow{{phase: "fsync", name: name, err: err}}, err
	}
	defer f.Close()
	block := make([]byte, fsyncBlock)
	var lat []time.Duration
	var off int64
	start := time.Now()
	for time.Since(start) < b.opts.duration && ctx.Err() == nil {
		t := time.Now()
		if _, err := f.WriteAt(block, off); err != nil {
			return []benchRow{{phase: "fsync", name: name, err: err}}, err
		}
		if err := f.Sync(); err != nil {
			return []benchRow{{phase: "fsync", name: name, err: err}}, err
		}
		lat = append(lat, time.Since(t))
		off = (off + fsyncBlock) % fsyncWrap
	}
	row := benchRow{phase: "fsync", name: name, ops: int64(len(lat)), elapsed: time.Since(start),
		note: "the ceiling of one commit per order"}
	return []benchRow{row.withLatencies(lat)}, nil
}
