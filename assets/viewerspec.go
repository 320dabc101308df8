package assets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gorerun/loader/names"
)

// ViewerSpecHelp says what a Viewer spec may be, for flags' help.
const ViewerSpecHelp = "a released `VERSION` (pinned ones are checked against viewers.lock, others against npm's integrity), an unpacked @rerun-io/web-viewer DIR, or its FILE.tgz (offline)"

// releaseVersion is the shape of a published version: semver, with an
// optional pre-release.
var releaseVersion = regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)

// A ViewerSpec names a Viewer to build for, as a user writes it: a
// version, a folder or a tarball. ParseViewerSpec reads it without
// fetching anything, so a bad one is told before any work starts.
type ViewerSpec struct {
	Version string // a release: pinned or on npm
	Dir     string // an unpacked package, or a local build's two files
	Tarball string // an npm tarball on disk
}

// ParseViewerSpec reads spec; "" is the pinned default.
func ParseViewerSpec(spec string) (ViewerSpec, error) {
	if spec == "" {
		return ViewerSpec{Version: DefaultViewer().Version}, nil
	}
	if fi, err := os.Stat(spec); err == nil {
		abs, err := filepath.Abs(spec)
		if err != nil {
			return ViewerSpec{}, err
		}
		switch {
		case fi.IsDir():
			return ViewerSpec{Dir: abs}, nil
		case strings.HasSuffix(spec, ".tgz"):
			return ViewerSpec{Tarball: abs}, nil
		}
		return ViewerSpec{}, fmt.Errorf("viewer %s is a file but not a .tgz: want a version, an unpacked %s package (or a local build's re_viewer.js and %s) or its .tgz", spec, ViewerPackage, names.ViewerFile)
	}
	if strings.HasSuffix(spec, ".tgz") {
		return ViewerSpec{}, fmt.Errorf("viewer %s: no such file", spec)
	}
	v := strings.TrimPrefix(spec, "v")
	if !releaseVersion.MatchString(v) {
		return ViewerSpec{}, fmt.Errorf("viewer %q is neither a folder, a .tgz file nor a version such as %s", spec, DefaultViewer().Version)
	}
	return ViewerSpec{Version: v}, nil
}

// Resolve returns the unpacked package the spec names, fetching a version
// into cache when it is not there: a pinned one checked against its
// SHA-256, any other against npm's integrity, with a one-line note on log
// that it is not one this loader was tested with. A tarball is unpacked
// into the cache; if its version is pinned it must be the pinned bytes.
func (s ViewerSpec) Resolve(ctx context.Context, cache string, log io.Writer) (string, error) {
	if log == nil {
		log = io.Discard
	}
	switch {
	case s.Dir != "":
		return s.Dir, nil
	case s.Tarball != "":
		return unpackTarball(s.Tarball, cache, log)
	}
	if pin, err := LookupViewer(s.Version); err == nil {
		return FetchViewer(ctx, pin, cache, log)
	}
	dir, err := fetchRelease(ctx, release{version: s.Version}, cache, log)
	if err != nil {
		return "", err
	}
	fmt.Fprintln(log, untestedNote(s.Version, "verified against npm's integrity"))
	return dir, nil
}

// untestedNote is the one line said of a Viewer the loader was not tested
// with.
func untestedNote(version, how string) string {
	return fmt.Sprintf("note: %s@%s is not one of the Viewers this loader was tested with (%s); %s", ViewerPackage, version, pinnedList(), how)
}

// IsPinned reports whether version is in viewers.lock.
func IsPinned(version string) bool {
	_, err := LookupViewer(version)
	return err == nil
}

// ErrNoRelease is the error of a version npm does not have.
var ErrNoRelease = errors.New("no such release")

// npmIntegrity asks the registry for the dist.integrity of spec, as npm
// pack checks it.
func npmIntegrity(ctx context.Context, spec string) (string, error) {
	cmd := exec.CommandContext(ctx, "npm", "view", spec, "dist.integrity", "--json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	msg := strings.TrimSpace(stderr.String())
	switch {
	case err != nil && strings.Contains(msg, "E404"):
		return "", fmt.Errorf("npm has no %s (`npm view %s versions` lists the published ones): %w", spec, ViewerPackage, ErrNoRelease)
	case errors.Is(err, exec.ErrNotFound):
		return "", fmt.Errorf("fetch %s: npm is not installed; give the Viewer as --viewer DIR or FILE.tgz", spec)
	case err != nil:
		return "", fmt.Errorf("ask npm for the integrity of %s (offline? give the Viewer as --viewer DIR or FILE.tgz): %w: %s", spec, err, lastLine(msg))
	}
	var integrity string
	if err := json.Unmarshal(out, &integrity); err != nil || integrity == "" {
		// npm prints nothing for a version range that matches none.
		return "", fmt.Errorf("npm has no %s (`npm view %s versions` lists the published ones): %w", spec, ViewerPackage, ErrNoRelease)
	}
	return integrity, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// checkIntegrity checks a file against a Subresource Integrity string
// ("sha512-…", possibly several, space-separated): it passes when the
// strongest hash it knows matches.
func checkIntegrity(path, integrity string) error {
	algos := map[string]func() hash.Hash{"sha512": sha512.New, "sha384": sha512.New384, "sha256": sha256.New}
	for _, algo := range []string{"sha512", "sha384", "sha256"} {
		for _, field := range strings.Fields(integrity) {
			name, want, ok := strings.Cut(field, "-")
			if !ok || name != algo {
				continue
			}
			got, err := digest(path, algos[algo]())
			if err != nil {
				return err
			}
			if base64.StdEncoding.EncodeToString(got) != want {
				return fmt.Errorf("the tarball's %s does not match npm's integrity %s", algo, field)
			}
			return nil
		}
	}
	return fmt.Errorf("npm's integrity %q has no sha512, sha384 or sha256 to check", integrity)
}

func digest(path string, h hash.Hash) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("hash %s: %w", path, err)
	}
	return h.Sum(nil), nil
}

// unpackTarball unpacks an npm tarball of the Viewer into the cache, in a
// folder named by its SHA-256, and returns the package folder.
func unpackTarball(tgz, cache string, log io.Writer) (string, error) {
	info, err := hashFile(tgz)
	if err != nil {
		return "", err
	}
	r := release{sha256: info.SHA256}
	root := filepath.Join(cache, "web-viewer", "tgz-"+info.SHA256[:16])
	if err := checkUnpacked(root, r); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(log, "the cached copy of %s cannot be used (%v): unpacking it again\n", tgz, err)
		}
		tmp, err := cacheWorkDir(cache, ".unpack-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(tmp)
		if err := unpackInto(tgz, tmp, root, r); err != nil {
			return "", fmt.Errorf("%s: %w", tgz, err)
		}
	}
	pkgDir := filepath.Join(root, "package")
	version, err := packageVersion(pkgDir)
	if err != nil {
		return "", fmt.Errorf("%s: %w", tgz, err)
	}
	if pin, err := LookupViewer(version); err == nil {
		if pin.SHA256 != info.SHA256 {
			return "", fmt.Errorf("%s says it is %s@%s, but its SHA-256 %s is not the pinned %s: it is not the published package", tgz, ViewerPackage, version, info.SHA256, pin.SHA256)
		}
		fmt.Fprintf(log, "%s is %s@%s, verified against its pin in viewers.lock\n", tgz, ViewerPackage, version)
		return pkgDir, nil
	}
	fmt.Fprintln(log, untestedNote(version, "taken from "+filepath.Base(tgz)+" as it is, with nothing to check it against"))
	return pkgDir, nil
}

// packageVersion reads the name and version of an unpacked package.
func packageVersion(dir string) (string, error) {
	var pkg struct{ Name, Version string }
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return "", fmt.Errorf("not an npm package: %w", err)
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return "", fmt.Errorf("read its package.json: %w", err)
	}
	if pkg.Name != ViewerPackage {
		return "", fmt.Errorf("it holds %q, not %s", pkg.Name, ViewerPackage)
	}
	return pkg.Version, nil
}

// sha256Hex is the hex SHA-256 of a file.
func sha256Hex(path string) (string, error) {
	sum, err := digest(path, sha256.New())
	return hex.EncodeToString(sum), err
}
