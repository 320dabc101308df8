// Command release builds the loader binary with its loader Wasm embedded,
// the way every binary the project hands out is built: `make loader` for
// this machine (--binary), `make dist` for every platform (--out), as
// archives and Python wheels that are the same bytes for the same commit,
// a SHA256SUMS file, and the static bundle of the pinned Viewer as an
// archive and as an npm tarball.
//
//	go run ./internal/release --binary build/bin/loader
//	go run ./internal/release --out build/release [--targets all] [--bundle=true]
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorerun/loader/assets"
)

// targets are the platforms a release is built for.
var targets = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

// buildFlags make a binary that carries its loader Wasm, and whose bytes
// depend on the commit only: no paths, no C toolchain.
var buildFlags = []string{"-tags", "loaderwasm", "-trimpath", "-buildvcs=auto", "-ldflags=-s -w"}

func main() {
	binary := flag.String("binary", "", "build the loader for this machine into `FILE` and stop")
	out := flag.String("out", "build/release", "release `DIR`")
	only := flag.String("targets", "all", "comma-separated GOOS/GOARCH `list`, or all")
	bundle := flag.Bool("bundle", true, "also archive the static bundle of the pinned Viewer")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *binary, *out, *only, *bundle); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, binary, out, only string, bundle bool) error {
	root, err := assets.ModuleRoot()
	if err != nil {
		return err
	}
	changed, err := assets.WriteLoaderWasm(ctx, root)
	if err != nil {
		return err
	}
	if changed {
		fmt.Fprintln(os.Stderr, "built the Go loader Wasm (GOOS=js GOARCH=wasm) into assets/"+assets.EmbedDir)
	}
	// A release carries the glue of every pinned Viewer, for installs with
	// no network; a binary for this machine, of those already fetched.
	cache, err := assets.CacheDir()
	if err != nil {
		return err
	}
	if _, err := assets.WriteViewerGlue(ctx, root, cache, binary == "", os.Stderr); err != nil {
		return fmt.Errorf("the pinned Viewers' glue: %w", err)
	}
	if binary != "" {
		return buildBinary(ctx, root, binary)
	}
	list := targets
	if only != "all" {
		list = strings.Split(only, ",")
		for _, t := range list {
			if !slices.Contains(targets, t) {
				return fmt.Errorf("unknown target %q (known: %s)", t, strings.Join(targets, ", "))
			}
		}
	}
	version, stamp, err := commit(ctx, root)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "loader-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		return err
	}
	var archives []string
	for _, t := range list {
		goos, goarch, _ := strings.Cut(t, "/")
		exe := "loader"
		if goos == "windows" {
			exe += ".exe"
		}
		bin := filepath.Join(tmp, goos+"-"+goarch, exe)
		if err := goBuild(ctx, root, goos, goarch, bin); err != nil {
			return err
		}
		b, err := os.ReadFile(bin)
		if err != nil {
			return err
		}
		base := fmt.Sprintf("loader_%s_%s_%s", version, goos, goarch)
		files := []archived{{base + "/" + exe, b, 0o755}, {base + "/README.md", readme, 0o644}}
		name, err := writeArchive(out, base, goos == "windows", files, stamp)
		if err != nil {
			return err
		}
		wheel, err := writeWheel(out, pep440(version), t, b, stamp)
		if err != nil {
			return err
		}
		archives = append(archives, name, wheel)
	}
	if bundle {
		names, err := bundleArchive(ctx, root, tmp, out, version, stamp)
		if err != nil {
			return err
		}
		archives = append(archives, names...)
	}
	return writeSums(out, archives)
}

// buildBinary builds the loader for this machine into binary under a
// name of its own beside it and renames it into place: another run may be
// executing binary or building it at the same time (two `make test`s), and
// the go command writes its output in place when it cannot rename it
// there. The name starts as a hard link to the current binary, so the go
// command still finds it up to date and relinks nothing; when it does
// relink, it replaces the name rather than writing into the shared file.
func buildBinary(ctx context.Context, root, binary string) error {
	if err := os.MkdirAll(filepath.Dir(binary), 0o755); err != nil {
		return fmt.Errorf("build the loader: %w", err)
	}
	dir, err := os.MkdirTemp(filepath.Dir(binary), ".build-")
	if err != nil {
		return fmt.Errorf("build the loader: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, filepath.Base(binary))
	if err := os.Link(binary, tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("build the loader: %w", err)
	}
	if err := goBuild(ctx, root, runtime.GOOS, runtime.GOARCH, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, binary); err != nil {
		return fmt.Errorf("build the loader: %w", err)
	}
	return nil
}

// goBuild builds the loader for goos/goarch into out.
func goBuild(ctx context.Context, root, goos, goarch, out string) error {
	args := append([]string{"build"}, buildFlags...)
	cmd := exec.CommandContext(ctx, "go", append(args, "-o", out, "./cmd/loader")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build the loader for %s/%s: %w", goos, goarch, err)
	}
	return nil
}

// commit names the release after the checked-out commit (git describe)
// and returns the commit's time, which every archive entry carries.
func commit(ctx context.Context, root string) (string, time.Time, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = root
		b, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %w (a release is built from a git checkout)", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	version, err := git("describe", "--tags", "--always", "--dirty")
	if err != nil {
		return "", time.Time{}, err
	}
	unix, err := git("log", "-1", "--format=%ct")
	if err != nil {
		return "", time.Time{}, err
	}
	sec, err := strconv.ParseInt(unix, 10, 64)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("commit time %q: %w", unix, err)
	}
	return version, time.Unix(sec, 0).UTC(), nil
}

// archived is a file of an archive.
type archived struct {
	name string
	data []byte
	mode fs.FileMode
}

// writeArchive writes base.zip or base.tar.gz in dir with files, in order,
// each stamped with the same time, owner and mode, so that the same inputs
// give the same bytes. It returns the archive's file name.
func writeArchive(dir, base string, asZip bool, files []archived, stamp time.Time) (string, error) {
	var buf bytes.Buffer
	name := base + ".tar.gz"
	if asZip {
		name = base + ".zip"
		if err := writeZip(&buf, files, stamp); err != nil {
			return "", err
		}
	} else {
		gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level cannot fail
		tw := tar.NewWriter(gz)
		for _, f := range files {
			h := &tar.Header{Name: f.name, Mode: int64(f.mode), Size: int64(len(f.data)), ModTime: stamp, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
			if err := tw.WriteHeader(h); err != nil {
				return "", err
			}
			if _, err := tw.Write(f.data); err != nil {
				return "", err
			}
		}
		if err := tw.Close(); err != nil {
			return "", err
		}
		if err := gz.Close(); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%.1f MB)\n", filepath.Join(dir, name), float64(buf.Len())/1e6)
	return name, nil
}

// bundleArchive archives the static bundle of the pinned Viewer, the
// folder `loader build` writes, for static hosts, and packs it as an npm
// tarball for web apps (`npm install ./gorerun-rerun-viewer-….tgz`). It
// returns the two file names.
func bundleArchive(ctx context.Context, root, tmp, out, version string, stamp time.Time) ([]string, error) {
	cache, err := assets.CacheDir()
	if err != nil {
		return nil, err
	}
	pin := assets.DefaultViewer()
	pkg, err := assets.FetchViewer(ctx, pin, cache, os.Stderr)
	if err != nil {
		return nil, err
	}
	// Written by `loader build` itself, the binary this release hands out.
	loader := filepath.Join(tmp, "host", "loader")
	if err := goBuild(ctx, root, runtime.GOOS, runtime.GOARCH, loader); err != nil {
		return nil, err
	}
	base := fmt.Sprintf("rerun-loader-bundle_%s_viewer-%s", version, pin.Version)
	dir := filepath.Join(tmp, "bundle")
	// Its nginx.conf names a fixed place, not this temporary folder.
	cmd := exec.CommandContext(ctx, loader, "build", "--viewer", pkg, "--out", dir, "--served-from", "/srv/"+base)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("loader build: %w", err)
	}
	var files []archived
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files = append(files, archived{base + "/" + filepath.ToSlash(rel), b, 0o644})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("the bundle is empty")
	}
	archive, err := writeArchive(out, base, false, files, stamp)
	if err != nil {
		return nil, err
	}
	// npm pack stamps every entry with one fixed time: the same bundle
	// gives the same bytes.
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	pack := exec.CommandContext(ctx, "npm", "pack", dir, "--pack-destination", abs, "--silent")
	pack.Stderr = os.Stderr
	tgz, err := pack.Output()
	if err != nil {
		return nil, fmt.Errorf("npm pack the bundle: %w", err)
	}
	name := strings.TrimSpace(string(tgz))
	fmt.Fprintf(os.Stderr, "wrote %s\n", filepath.Join(out, name))
	return []string{archive, name}, nil
}

// writeZip writes files, in order, each stamped with the same time and
// its own mode, as a zip archive into w.
func writeZip(w io.Writer, files []archived, stamp time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: stamp}
		h.SetMode(f.mode)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeSums writes SHA256SUMS for the archives, as sha256sum -c reads it.
func writeSums(dir string, archives []string) error {
	var b strings.Builder
	for _, name := range archives {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%x  %s\n", h.Sum(nil), name)
	}
	return os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(b.String()), 0o644)
}
