package sqlstore

// streamHeads is the group-commit writer's memory of the last version of
// the streams it appended to, for a store no other process writes
// (Options.Exclusive): an append to a known stream then takes its next
// version without reading the log (SELECT MAX(version)), the costliest part
// of an append. Only the writer goroutine uses it. A job's appends join it
// when the job's savepoint is released. A batch that is abandoned (rolled
// back as a whole, by the writer or by the engine after a failed
// statement, see guarded) empties it. An append the log refuses forgets
// its stream, and when its version came from memory it is tried once more
// at the version read from the log: a row put into the log by other means
// (a raw INSERT in a job) leaves the memory behind, and costs one refused
// insert. The log is never deleted from.
type streamHeads struct {
	versions map[string]int64
	max      int
}

// maxStreamHeads bounds the streams remembered (about 100 bytes each).
const maxStreamHeads = 16384

func newStreamHeads(max int) *streamHeads {
	return &streamHeads{versions: map[string]int64{}, max: max}
}

func (h *streamHeads) get(stream string) (int64, bool) {
	v, ok := h.versions[stream]
	return v, ok
}

// merge records a released job's appends. When full it forgets streams at
// random (map order) to make room.
func (h *streamHeads) merge(pending map[string]int64) {
	for stream, v := range pending {
		if _, ok := h.versions[stream]; !ok && len(h.versions) >= h.max {
			for old := range h.versions {
				delete(h.versions, old)
				break
			}
		}
		h.versions[stream] = v
	}
}

func (h *streamHeads) forget(stream string) { delete(h.versions, stream) }

func (h *streamHeads) reset() { clear(h.versions) }
