package assets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestPrecompressConcurrently compresses one file into one cache from
// several builds at once, as two `make test` runs do on a fresh machine:
// every build gets its variants, every cache entry decodes whole to the
// file, and a reader watching the cache meanwhile never finds an entry
// that does not.
func TestPrecompressConcurrently(t *testing.T) {
	const writers = 4
	content := []byte(strings.Repeat("re_viewer_bg.wasm stand-in ", 4000))
	cache := t.TempDir()
	var sum string
	dirs := make([]string, writers)
	for i := range dirs {
		dirs[i] = t.TempDir()
		if err := os.WriteFile(filepath.Join(dirs[i], "file"), content, 0o644); err != nil {
			t.Fatal(err)
		}
		info, err := hashFile(filepath.Join(dirs[i], "file"))
		if err != nil {
			t.Fatal(err)
		}
		sum = info.SHA256
	}
	variants := make([]map[string]Variant, writers)
	errs := make([]error, writers)
	// The reader: every entry in the cache is whole from the moment it is
	// there.
	stop, partial := make(chan struct{}), make(chan string, 1)
	go func() {
		defer close(partial)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, enc := range Encodings {
				key := sum + "." + enc.Name
				if enc.Name == "br" {
					key += "-q5"
				}
				_, err := verifiedCache(filepath.Join(cache, "compressed", key), sum, enc.Name)
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					partial <- fmt.Sprintf("%s: %v", key, err)
					return
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for i, dir := range dirs {
		wg.Go(func() {
			variants[i], errs[i] = precompress(context.Background(), dir, "file", sum, Compression{Quality: 5, Cache: cache})
		})
	}
	wg.Wait()
	close(stop)
	if p, ok := <-partial; ok {
		t.Errorf("a reader found a partial entry: %s", p)
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("build %d: %v", i, err)
		}
		for enc, v := range variants[i] {
			if _, err := verifiedCache(filepath.Join(dirs[i], v.File), sum, enc); err != nil {
				t.Errorf("build %d, %s: %v", i, v.File, err)
			}
		}
	}
	entries, err := os.ReadDir(filepath.Join(cache, "compressed"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(Encodings) {
		t.Errorf("the cache holds %d files, want one per encoding (no temporary file left)", len(entries))
	}
	for _, e := range entries {
		enc, _, _ := strings.Cut(strings.TrimPrefix(e.Name(), sum+"."), "-q")
		if _, err := verifiedCache(filepath.Join(cache, "compressed", e.Name()), sum, enc); err != nil {
			t.Errorf("cache entry %s: %v", e.Name(), err)
		}
	}
}
