package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorerun/loader/assets"
)

// build is one bundle as the server serves it: its manifest and the files
// it names, opened and checked against the manifest when the build was
// loaded. `loader build` replaces files by renaming new ones over them, so
// these open files keep the bytes of this build while the next one is
// written: every response of a build is consistent with itself (length,
// ETag, encoding and bytes), whatever happens in the folder meanwhile.
type build struct {
	manifest *assets.Manifest
	stamp    os.FileInfo // of manifest.json, when it was read
	files    map[string]*servedFile
	routes   map[string]assets.Route // by request path

	// users counts the requests serving from this build; a build replaced
	// by a newer one closes its files when the last of them ends.
	users   atomic.Int64
	retired atomic.Bool
	once    sync.Once
}

// servedFile is one file of a build: a bundle file or a precompressed
// sibling.
type servedFile struct {
	f    *os.File
	size int64
	etag string
}

// sha256Hex is how a manifest writes a hash.
var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// loadBuild reads dir's manifest, checks it and opens every file it names,
// hashing each to be sure the folder holds that build and not part of
// another one. Errors say what is wrong and how to fix it.
func loadBuild(dir string) (*build, error) {
	stamp, err := os.Stat(filepath.Join(dir, assets.ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("bundle: %w (build it with `loader build`)", err)
	}
	m, err := assets.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	b := &build{manifest: m, stamp: stamp, files: map[string]*servedFile{}, routes: map[string]assets.Route{}}
	for _, r := range assets.Routes(m) {
		b.routes[r.Path] = r
	}
	ok := false
	defer func() {
		if !ok {
			b.close()
		}
	}()
	for _, f := range assets.Files {
		info := m.Files[f.Name]
		if err := b.open(dir, f.Name, info.Size, info.SHA256); err != nil {
			return nil, err
		}
		for enc, v := range info.Encodings {
			if ext, known := encodingExt[enc]; !known || v.File != f.Name+ext {
				return nil, fmt.Errorf("bundle manifest: %s's %q variant is %q, want %q (rebuild it with `loader build`)", f.Name, enc, v.File, f.Name+encodingExt[enc])
			}
			if err := b.open(dir, v.File, v.Size, v.SHA256); err != nil {
				return nil, err
			}
		}
	}
	ok = true
	return b, nil
}

// encodingExt are the file name suffixes of the precompressed variants a
// manifest may list.
var encodingExt = func() map[string]string {
	m := map[string]string{}
	for _, e := range assets.Encodings {
		m[e.Name] = e.Ext
	}
	return m
}()

func (b *build) open(dir, name string, size int64, sum string) error {
	if !sha256Hex.MatchString(sum) {
		return fmt.Errorf("bundle manifest: the SHA-256 of %s is %q, not 64 hex digits (rebuild it with `loader build`)", name, sum)
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("bundle: %w (rebuild it with `loader build`)", err)
	}
	b.files[name] = &servedFile{f: f, size: size, etag: `"` + sum[:32] + `"`}
	h := sha256.New()
	n, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62))
	switch {
	case err != nil:
		return fmt.Errorf("bundle: read %s: %w", name, err)
	case n != size:
		return fmt.Errorf("bundle: %s is %d bytes, its manifest says %d (rebuild it with `loader build`)", f.Name(), n, size)
	case hex.EncodeToString(h.Sum(nil)) != sum:
		return fmt.Errorf("bundle: %s does not have the SHA-256 its manifest says (rebuild it with `loader build`)", f.Name())
	}
	return nil
}

// acquire marks a request as serving from b.
func (b *build) acquire() { b.users.Add(1) }

// release ends a request; the last one of a retired build closes it.
func (b *build) release() {
	if b.users.Add(-1) == 0 && b.retired.Load() {
		b.close()
	}
}

// retire marks b as replaced, closing it once no request uses it.
func (b *build) retire() {
	b.retired.Store(true)
	if b.users.Load() == 0 {
		b.close()
	}
}

func (b *build) close() {
	b.once.Do(func() {
		for _, sf := range b.files {
			sf.f.Close()
		}
	})
}

// reader returns a reader of sf for one response, with its own offset.
// On Linux, /proc/self/fd reopens the very file this build opened, even
// after a rebuild renamed another over it, and the result is an *os.File
// the server can send with sendfile; elsewhere the reader shares the
// build's file through ReadAt.
func (sf *servedFile) reader() (io.ReadSeeker, func()) {
	if f, err := os.Open("/proc/self/fd/" + strconv.Itoa(int(sf.f.Fd()))); err == nil {
		if fi, err := f.Stat(); err == nil && fi.Size() == sf.size {
			return f, func() { f.Close() }
		}
		f.Close()
	}
	return io.NewSectionReader(sf.f, 0, sf.size), func() {}
}
