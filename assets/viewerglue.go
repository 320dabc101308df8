package assets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/gorerun/loader/names"
)

// A release binary carries, for each pinned Viewer, what a build needs of
// it besides its 47 MB Wasm (the glue, ~200 KB), and the Wasm's SHA-256:
// install then builds from the Wasm rerun_notebook already holds, with no
// network.

// viewerGlueDir is the folder under EmbedDir holding a folder per pinned
// version and glueIndex.
const viewerGlueDir = "viewers"

// glueIndex maps each version in viewerGlueDir to the SHA-256 of its Wasm.
const glueIndex = "index.json"

// glueFiles are the files of a package a build reads besides the Wasm.
var glueFiles = []string{"package.json", "re_viewer.js"}

// WriteViewerGlue writes the glue of the pinned Viewers into
// root/assets/EmbedDir/viewers for a build with the loaderwasm tag: of
// every pin when fetch is true (fetching into cache what it lacks, as a
// release does), else of the pins already in cache. It reports whether
// anything changed.
func WriteViewerGlue(ctx context.Context, root, cache string, fetch bool, log io.Writer) (bool, error) {
	files := map[string][]byte{}
	index := map[string]string{}
	for _, pin := range PinnedViewers() {
		r := release{version: pin.Version, sha256: pin.SHA256}
		pkg := filepath.Join(cache, "web-viewer", pin.Version, "package")
		if err := checkUnpacked(filepath.Dir(pkg), r); err != nil {
			if !fetch {
				continue
			}
			if pkg, err = FetchViewer(ctx, pin, cache, log); err != nil {
				return false, err
			}
		}
		for _, name := range glueFiles {
			b, err := os.ReadFile(filepath.Join(pkg, name))
			if err != nil {
				return false, err
			}
			files[pin.Version+"/"+name] = b
		}
		sum, err := sha256Hex(filepath.Join(pkg, names.ViewerFile))
		if err != nil {
			return false, err
		}
		index[pin.Version] = sum
	}
	b, err := json.MarshalIndent(index, "", "  ")
	if err != nil {
		return false, err
	}
	files[glueIndex] = b
	return writeTree(filepath.Join(root, "assets", EmbedDir, viewerGlueDir), files)
}

// writeTree makes dir hold exactly files (slash paths), rewriting only what
// differs, and reports whether anything changed.
func writeTree(dir string, files map[string][]byte) (bool, error) {
	changed := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if _, ok := files[filepath.ToSlash(rel)]; !ok {
			changed = true
			return os.Remove(path)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		path := filepath.Join(dir, filepath.FromSlash(p))
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, files[p]) {
			continue
		}
		changed = true
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return false, err
		}
		if err := writeFileAtomic(path, bytes.NewReader(files[p])); err != nil {
			return false, err
		}
	}
	return changed, nil
}

// CarriedViewers are the versions whose glue this binary carries.
func CarriedViewers() []string {
	index, err := carriedIndex()
	if err != nil {
		return nil
	}
	var vs []string
	for _, pin := range PinnedViewers() {
		if index[pin.Version] != "" {
			vs = append(vs, pin.Version)
		}
	}
	return vs
}

func carriedIndex() (map[string]string, error) {
	if embeddedViewers == nil {
		return nil, fs.ErrNotExist
	}
	b, err := fs.ReadFile(embeddedViewers, glueIndex)
	if err != nil {
		return nil, err
	}
	index := map[string]string{}
	return index, json.Unmarshal(b, &index)
}

// ErrNotCarried is PackageWithWasm's answer when the binary has no glue
// for the Wasm: it is not a pinned version's, or the binary carries none.
var ErrNotCarried = errors.New("this loader carries no glue for that Wasm")

// PackageWithWasm writes into dir an unpacked Viewer package of version:
// the glue this binary carries and the Wasm at wasm, linked or copied. It
// returns ErrNotCarried unless that Wasm is the pinned one of version,
// byte for byte (its SHA-256).
func PackageWithWasm(version, wasm, dir string) error {
	index, err := carriedIndex()
	if err != nil || index[version] == "" {
		return fmt.Errorf("%s@%s: %w", ViewerPackage, version, ErrNotCarried)
	}
	sum, err := sha256Hex(wasm)
	if err != nil {
		return err
	}
	if sum != index[version] {
		return fmt.Errorf("%s is not the Wasm of the pinned %s@%s (SHA-256 %s, want %s): %w", wasm, ViewerPackage, version, sum, index[version], ErrNotCarried)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range glueFiles {
		b, err := fs.ReadFile(embeddedViewers, version+"/"+name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	dst := filepath.Join(dir, names.ViewerFile)
	if err := os.Link(wasm, dst); err == nil {
		return nil
	}
	return copyFile(wasm, dst)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
