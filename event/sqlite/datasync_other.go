//go:build !linux

package sqlite

import "os"

// datasync flushes a file to disk (fsync; see the Linux variant).
func datasync(f *os.File) error { return f.Sync() }
