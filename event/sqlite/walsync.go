package sqlite

import (
	"errors"
	"io/fs"
	"os"
	"sync"
)

// walFile flushes the database's write-ahead log to disk for the store's
// pipelined group commit. It keeps the file open between syncs (SQLite
// keeps the WAL's inode while any connection is open, and the store's
// writer holds one for its whole life) and flushes its data only
// (fdatasync where the system has it), as SQLite itself does.
type walFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// sync flushes the WAL. A WAL that does not exist yet holds nothing to
// flush (SQLite creates it with the first write).
func (w *walFile) sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		f, err := os.Open(w.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		w.f = f
	}
	return datasync(w.f)
}

func (w *walFile) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}
