package atomicdir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// entry writes a folder holding one file, whose content says which writer
// made it, into a temporary folder of the cache.
func entry(t *testing.T, cache, writer string) string {
	t.Helper()
	tmp, err := os.MkdirTemp(cache, ".tmp-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "file"), []byte("whole "+writer), 0o644); err != nil {
		t.Fatal(err)
	}
	return tmp
}

// whole is the entry's validity check: its file is there and complete.
func whole(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "file"))
	if err != nil {
		return err
	}
	if !strings.HasPrefix(string(b), "whole ") {
		return errors.New("a partial entry")
	}
	return nil
}

func TestPublish(t *testing.T) {
	tests := []struct {
		name    string
		before  string // the file already in place, "" for none
		writers int
		// gap is whether the entry may be missing for a moment after a
		// writer returns: while another writer that found the invalid
		// entry moves this one aside for its own.
		gap bool
	}{
		{"first writer", "", 1, false},
		{"writers at once", "", 8, false},
		{"over a valid entry", "whole earlier", 4, false},
		{"over an invalid entry", "trunc", 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			dir := filepath.Join(cache, "entry")
			if tt.before != "" {
				os.Mkdir(dir, 0o755)
				os.WriteFile(filepath.Join(dir, "file"), []byte(tt.before), 0o644)
			}
			var tmps []string
			for i := range tt.writers {
				tmps = append(tmps, entry(t, cache, string(rune('a'+i))))
			}
			errs := make([]error, tt.writers)
			var wg sync.WaitGroup
			for i, tmp := range tmps {
				wg.Go(func() {
					errs[i] = Publish(tmp, dir, whole)
					// What a writer hands on is whole when it returns.
					if errs[i] == nil && !tt.gap {
						errs[i] = whole(dir)
					}
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("writer %d: %v", i, err)
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, "file"))
			if err != nil || !strings.HasPrefix(string(b), "whole") {
				t.Errorf("the entry holds %q (%v), want one writer's whole file", b, err)
			}
			if tt.before == "whole earlier" && string(b) != tt.before {
				t.Errorf("a valid entry was replaced by %q", b)
			}
			// Nothing is left beside the entry: no temporary or stale folder.
			if left, _ := os.ReadDir(cache); len(left) != 1 {
				var names []string
				for _, e := range left {
					names = append(names, e.Name())
				}
				t.Errorf("the cache holds %v, want only the entry", names)
			}
		})
	}
}
