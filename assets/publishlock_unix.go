//go:build unix

package assets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockPublish takes the lock on publishing into dir, a lock file beside
// it, and returns its release. Builds into one folder (two first runs of
// `loader serve`, from two checkouts) rename their files in one by one:
// without it, two at once could leave one build's manifest over the
// other's files. It waits for another holder's publish, renames that take
// moments; a holder that dies releases it with its file descriptor.
func lockPublish(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(publishLockPath(dir), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock publishing into %s: %w", dir, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock publishing into %s: %w", dir, err)
	}
	// Closing the file releases the lock.
	return func() { f.Close() }, nil
}

// publishLockPath is the lock file of publishing into dir: beside it, so
// that the bundle holds only what is served.
func publishLockPath(dir string) string {
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".publish-lock")
}
