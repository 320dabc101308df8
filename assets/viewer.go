package assets

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gorerun/loader/internal/atomicdir"
	"github.com/gorerun/loader/names"
)

//go:embed viewers.lock
var viewersLock string

// ViewerPackage is the npm package that ships the Rerun Viewer Wasm and its
// wasm-bindgen glue.
const ViewerPackage = "@rerun-io/web-viewer"

// PinnedViewer is one version of ViewerPackage with the SHA-256 of its npm
// tarball.
type PinnedViewer struct {
	Version string
	SHA256  string
}

// PinnedViewers returns the versions in viewers.lock, the pinned default
// first.
func PinnedViewers() []PinnedViewer {
	var pins []PinnedViewer
	for _, line := range strings.Split(viewersLock, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		pins = append(pins, PinnedViewer{Version: f[0], SHA256: f[1]})
	}
	return pins
}

// DefaultViewer is the pinned Viewer version.
func DefaultViewer() PinnedViewer { return PinnedViewers()[0] }

// LookupViewer returns the pin for version.
func LookupViewer(version string) (PinnedViewer, error) {
	for _, p := range PinnedViewers() {
		if p.Version == version {
			return p, nil
		}
	}
	return PinnedViewer{}, fmt.Errorf("viewer %s is not pinned in viewers.lock (pinned: %s)", version, pinnedList())
}

// PinnedVersions are the versions of PinnedViewers.
func PinnedVersions() []string {
	var vs []string
	for _, p := range PinnedViewers() {
		vs = append(vs, p.Version)
	}
	return vs
}

func pinnedList() string { return strings.Join(PinnedVersions(), ", ") }

// CacheDir is where downloaded Viewer packages and default builds live:
// $LOADER_CACHE when set, else the user's cache directory.
func CacheDir() (string, error) {
	if dir := os.Getenv("LOADER_CACHE"); dir != "" {
		return filepath.Abs(dir)
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a cache directory (set LOADER_CACHE): %w", err)
	}
	return filepath.Join(dir, "gorerun-loader"), nil
}

// FetchPinnedViewer is FetchViewer for the pinned version into the
// default cache ($LOADER_CACHE).
func FetchPinnedViewer(ctx context.Context, version string, log io.Writer) (string, error) {
	pin, err := LookupViewer(version)
	if err != nil {
		return "", err
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	return FetchViewer(ctx, pin, cache, log)
}

// FetchViewer makes sure the pinned package is unpacked in cache and
// returns the package directory (the one holding re_viewer_bg.wasm). It
// runs `npm pack` only when the cache lacks it, and refuses a tarball whose
// SHA-256 differs from the pin. log receives progress; it may be nil.
func FetchViewer(ctx context.Context, pin PinnedViewer, cache string, log io.Writer) (string, error) {
	return fetchRelease(ctx, release{version: pin.Version, sha256: pin.SHA256}, cache, log)
}

// release is a published version of ViewerPackage and what its tarball
// must match: the SHA-256 of our pin or, for a version we do not pin, the
// dist.integrity npm publishes (asked for only when the cache lacks it).
type release struct {
	version   string
	sha256    string // our pin; "" when not pinned
	integrity string // npm's, e.g. "sha512-…"; "" until asked
}

func (r release) spec() string { return ViewerPackage + "@" + r.version }

// fetchRelease makes sure r is unpacked in cache, verified, and returns its
// package directory.
func fetchRelease(ctx context.Context, r release, cache string, log io.Writer) (string, error) {
	if log == nil {
		log = io.Discard
	}
	root := filepath.Join(cache, "web-viewer", r.version)
	pkgDir := filepath.Join(root, "package")
	switch err := checkUnpacked(root, r); {
	case err == nil:
		return pkgDir, nil
	case !errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(log, "the cached %s cannot be used (%v): fetching it again\n", r.spec(), err)
	}
	if r.sha256 == "" {
		integrity, err := npmIntegrity(ctx, r.spec())
		if err != nil {
			return "", err
		}
		r.integrity = integrity
	}

	tmp, err := cacheWorkDir(cache, ".fetch-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintf(log, "fetching %s with npm pack…\n", r.spec())
	cmd := exec.CommandContext(ctx, "npm", "pack", r.spec(), "--pack-destination", tmp, "--silent")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Dir = tmp
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm pack %s: %w: %s", r.spec(), err, strings.TrimSpace(stderr.String()))
	}
	tarballs, _ := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if len(tarballs) != 1 {
		return "", fmt.Errorf("npm pack %s: expected one .tgz, found %d", r.spec(), len(tarballs))
	}
	how := "verified against its pin in viewers.lock"
	if r.sha256 == "" {
		how = "verified against npm's integrity"
	}
	if err := r.verify(tarballs[0]); err != nil {
		return "", fmt.Errorf("npm pack %s: %w", r.spec(), err)
	}
	if err := unpackInto(tarballs[0], tmp, root, r); err != nil {
		return "", fmt.Errorf("%s: %w", r.spec(), err)
	}
	fmt.Fprintf(log, "%s %s and unpacked in %s\n", r.spec(), how, pkgDir)
	return pkgDir, nil
}

// cacheWorkDir makes a folder in cache to prepare an entry in, so that it
// moves into place with a rename.
func cacheWorkDir(cache, prefix string) (string, error) {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("create cache: %w", err)
	}
	tmp, err := os.MkdirTemp(cache, prefix)
	if err != nil {
		return "", fmt.Errorf("create cache: %w", err)
	}
	return tmp, nil
}

// verify checks the tarball against r's pin, or against npm's integrity
// (and then fills in r's SHA-256, which the stamp records).
func (r *release) verify(tgz string) error {
	info, err := hashFile(tgz)
	if err != nil {
		return err
	}
	if r.sha256 != "" {
		if info.SHA256 != r.sha256 {
			return fmt.Errorf("SHA-256 %s does not match the pin %s in viewers.lock", info.SHA256, r.sha256)
		}
		return nil
	}
	if err := checkIntegrity(tgz, r.integrity); err != nil {
		return err
	}
	r.sha256 = info.SHA256
	return nil
}

// unpackInto unpacks tgz in work, a folder beside root, and puts it,
// stamped, at root in one step.
func unpackInto(tgz, work, root string, r release) error {
	unpacked, err := os.MkdirTemp(work, "unpacked-")
	if err != nil {
		return err
	}
	if err := untar(tgz, unpacked); err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	if _, err := os.Stat(filepath.Join(unpacked, "package", names.ViewerFile)); err != nil {
		return fmt.Errorf("unpack: no package/%s in the tarball", names.ViewerFile)
	}
	// The stamp is written before the folder takes its place, so a reader
	// finds the package stamped or not at all.
	if err := writeUnpackedStamp(unpacked, r); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(root), 0o755); err != nil {
		return fmt.Errorf("create cache: %w", err)
	}
	err = atomicdir.Publish(unpacked, root, func(dir string) error { return checkUnpacked(dir, r) })
	if err != nil {
		return fmt.Errorf("move it into the cache: %w", err)
	}
	return nil
}

// unpackedStamp is the file, next to an unpacked package, that names its
// tarball's SHA-256 and the SHA-256 of every file unpacked from it.
const unpackedStamp = "unpacked.json"

type stampFile struct {
	Tarball string `json:"tarball_sha256"`
	// Integrity is npm's, for a version that is not pinned: the tarball
	// was checked against it when it was fetched.
	Integrity string            `json:"npm_integrity,omitempty"`
	Files     map[string]string `json:"files"` // slash path under root → SHA-256
}

func writeUnpackedStamp(root string, r release) error {
	st := stampFile{Tarball: r.sha256, Integrity: r.integrity, Files: map[string]string{}}
	err := filepath.WalkDir(filepath.Join(root, "package"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := hashFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		st.Files[filepath.ToSlash(rel)] = info.SHA256
		return nil
	})
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(root, unpackedStamp), bytes.NewReader(b))
}

// checkUnpacked reports whether the package unpacked under root is r,
// file for file: fs.ErrNotExist when it was never unpacked, another error
// when a file changed or is missing. A version that is not pinned is r
// when it was verified against npm's integrity (the one r names, once
// asked): so a cached one needs no network.
func checkUnpacked(root string, r release) error {
	b, err := os.ReadFile(filepath.Join(root, unpackedStamp))
	if err != nil {
		return err
	}
	var st stampFile
	err = json.Unmarshal(b, &st)
	verified := st.Tarball == r.sha256
	if r.sha256 == "" {
		verified = st.Integrity != "" && (r.integrity == "" || st.Integrity == r.integrity)
	}
	if err != nil || !verified || st.Files["package/"+names.ViewerFile] == "" {
		return fmt.Errorf("%s is not of this release", unpackedStamp)
	}
	for rel, sum := range st.Files {
		info, err := hashFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("%s is missing or unreadable", rel)
		}
		if info.SHA256 != sum {
			return fmt.Errorf("%s was changed", rel)
		}
	}
	return nil
}

// untar unpacks the regular files of a .tgz into dir, refusing any entry
// that would land outside it.
func untar(tgz, dir string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if !filepath.IsLocal(name) {
			return fmt.Errorf("entry %q escapes the package", h.Name)
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, tr); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
	}
}
