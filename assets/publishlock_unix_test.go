//go:build unix

package assets

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestBuildPublishesUnderTheLock: while a build publishes into a folder,
// another cannot take the folder's lock.
func TestBuildPublishesUnderTheLock(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loader Wasm")
	}
	pkg := standInViewer(t, 1<<10)
	out := filepath.Join(t.TempDir(), "dist")
	checked := false
	testHookPublish = func(dir string) {
		f, err := os.Open(publishLockPath(dir))
		if err != nil {
			t.Errorf("the lock file: %v", err)
			return
		}
		defer f.Close()
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			t.Errorf("another build could take the lock while one published (flock: %v)", err)
		}
		checked = true
	}
	defer func() { testHookPublish = func(string) {} }()
	if _, err := Build(t.Context(), Options{ViewerDir: pkg, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	if !checked {
		t.Error("the build published without calling testHookPublish")
	}
}
