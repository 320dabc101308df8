// Package atomicdir publishes folders into a cache that several processes
// (two `make test` runs, a test and `make run`) fill at once: an entry is
// made in a temporary folder beside its place and renamed into it, so a
// reader finds it whole or not at all.
package atomicdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Publish moves the finished folder tmp to dir, which must be on the same
// file system (make tmp with os.MkdirTemp in the cache). A rename does
// not replace a folder that has files, so when dir is there already valid
// decides: an entry another writer finished first is kept and tmp
// removed, which is success; an entry that fails valid (truncated,
// changed) is moved aside and removed, and tmp takes its place. Readers
// find dir whole or missing, never partial; it is missing for a moment
// only while an invalid entry is replaced (two writers that both found it
// invalid may replace each other's valid one).
func Publish(tmp, dir string, valid func(dir string) error) error {
	// Between moving an invalid entry aside and the next rename another
	// writer may publish: the next round finds its entry and keeps it. The
	// bound keeps a file system that misbehaves from looping.
	var err error
	for range 3 {
		if err = os.Rename(tmp, dir); err == nil {
			return nil
		}
		if _, statErr := os.Lstat(dir); statErr != nil {
			// Not a folder in the way: the rename failed on its own.
			return fmt.Errorf("publish %s: %w", dir, err)
		}
		if valid(dir) == nil {
			os.RemoveAll(tmp)
			return nil
		}
		if err := discard(dir); err != nil {
			return fmt.Errorf("publish %s: remove the invalid entry: %w", dir, err)
		}
	}
	return fmt.Errorf("publish %s: %w", dir, err)
}

// discard takes dir out of its place in one rename and then removes it, so
// no reader finds it half removed.
func discard(dir string) error {
	aside, err := os.MkdirTemp(filepath.Dir(dir), ".stale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(aside)
	if err := os.Rename(dir, filepath.Join(aside, filepath.Base(dir))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
