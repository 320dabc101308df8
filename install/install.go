package install

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gorerun/loader/names"
)

// BackupDir is the folder in static/ that keeps what an install replaced
// and the install record.
const BackupDir = "rerun-loader-backup"

const recordFile = "install.json"

// replaceable are the files of static/ an install may replace: widget.js
// always, the Viewer Wasm when ours differs from the package's.
var replaceable = []string{names.WidgetFile, names.ViewerFile}

// Bundle is a loader build to install: a folder holding widget.js's
// standalone build and the Viewer Wasm it was built for.
type Bundle struct {
	Dir           string
	BuildID       string
	ViewerVersion string
	// Loader is the version of the loader that built it.
	Loader string
}

// source is the bundle's file that becomes name in static/: widget.js is
// the standalone build, since rerun_notebook hands the browser widget.js
// and the Viewer only, nothing next to them.
func (b Bundle) source(name string) string {
	if name == names.WidgetFile {
		name = names.StandaloneWidgetFile
	}
	return filepath.Join(b.Dir, name)
}

// record is what an install wrote: enough to tell our files from
// upstream's and to put upstream's back.
type record struct {
	Loader         string         `json:"loader"`
	BuildID        string         `json:"build_id"`
	ViewerVersion  string         `json:"viewer_version"`
	PackageVersion string         `json:"package_version"`
	Installed      time.Time      `json:"installed"`
	Files          []recordedFile `json:"files"`
}

// recordedFile is a file of static/ the install replaced.
type recordedFile struct {
	Name string `json:"name"`
	// Upstream is the SHA-256 of the file the install found, kept in
	// BackupDir under the same name.
	Upstream string `json:"upstream_sha256"`
	// Ours is the SHA-256 of the file the install wrote.
	Ours string `json:"ours_sha256"`
}

// State says whose files a package's static/ holds.
type State int

const (
	// Upstream: no loader install is recorded.
	Upstream State = iota
	// Ours: the files are the ones the recorded install wrote.
	Ours
	// Changed: an install is recorded, but something else (pip install -U
	// rerun-notebook, most likely) wrote the files since.
	Changed
)

// Status is what a package's static/ holds.
type Status struct {
	State State
	// BuildID, ViewerVersion, Loader and Installed describe the recorded
	// install, when there is one.
	BuildID, ViewerVersion, Loader string
	Installed                      time.Time
	// Replaced are the files the install replaced.
	Replaced []string
	// Detail says, for Changed, which file changed.
	Detail string
}

// Status reads what p's static/ holds.
func (p *Package) Status() (*Status, error) {
	rec, err := p.readRecord()
	if err != nil || rec == nil {
		return &Status{State: Upstream}, err
	}
	st := &Status{State: Ours, BuildID: rec.BuildID, ViewerVersion: rec.ViewerVersion, Loader: rec.Loader, Installed: rec.Installed}
	for _, f := range rec.Files {
		st.Replaced = append(st.Replaced, f.Name)
		sum, err := sha256File(filepath.Join(p.Static(), f.Name))
		if err != nil {
			return nil, err
		}
		if sum != f.Ours {
			st.State, st.Detail = Changed, fmt.Sprintf("static/%s is no longer the file `loader install` wrote (something else, e.g. pip install -U rerun-notebook, replaced it)", f.Name)
			break
		}
	}
	return st, nil
}

// UpstreamFile is the path of the package's own name (widget.js or the
// Viewer Wasm): in static/, or kept in BackupDir when an install of ours
// that is still in place replaced it.
func (p *Package) UpstreamFile(name string) (string, error) {
	st, err := p.Status()
	if err != nil {
		return "", err
	}
	if st.State == Ours && slices.Contains(st.Replaced, name) {
		return filepath.Join(p.Static(), BackupDir, name), nil
	}
	return filepath.Join(p.Static(), name), nil
}

// ErrAlreadyInstalled is an install of the bundle that is installed.
var ErrAlreadyInstalled = errors.New("already installed")

// Install puts b's widget.js, and its Viewer Wasm when it differs from the
// package's, into p's static/, keeping the files it replaces and their
// SHA-256 in static/BackupDir. Each file is written whole (a temporary
// file renamed over it). Installing the installed bundle changes nothing
// and returns ErrAlreadyInstalled. A record left by an install whose files
// something else replaced since is dropped: the files there now are the
// package's.
func (p *Package) Install(b Bundle) ([]string, error) {
	static := p.Static()
	backups := filepath.Join(static, BackupDir)
	st, err := p.Status()
	if err != nil {
		return nil, err
	}
	var rec *record
	if st.State == Ours {
		if rec, err = p.readRecord(); err != nil {
			return nil, err
		}
	}
	upstream := map[string]string{} // name → SHA-256 of upstream's file
	for _, name := range replaceable {
		if upstream[name], err = sha256File(filepath.Join(static, name)); err != nil {
			return nil, err
		}
	}
	if rec != nil {
		for _, f := range rec.Files {
			upstream[f.Name] = f.Upstream
		}
	}
	next := &record{Loader: b.Loader, BuildID: b.BuildID, ViewerVersion: b.ViewerVersion, PackageVersion: p.Version, Installed: time.Now().UTC().Truncate(time.Second)}
	for _, name := range replaceable {
		ours, err := sha256File(b.source(name))
		if err != nil {
			return nil, fmt.Errorf("read the bundle: %w", err)
		}
		if ours != upstream[name] {
			next.Files = append(next.Files, recordedFile{Name: name, Upstream: upstream[name], Ours: ours})
		}
	}
	if rec != nil && sameFiles(rec.Files, next.Files) {
		return nil, ErrAlreadyInstalled
	}
	if err := checkWritable(static); err != nil {
		return nil, err
	}
	if st.State == Changed {
		// The backups are of a package pip has replaced since.
		if err := os.RemoveAll(backups); err != nil {
			return nil, writeError(static, err)
		}
	}
	if err := os.MkdirAll(backups, 0o755); err != nil {
		return nil, writeError(static, err)
	}
	// Back up first, then write the record, then replace: at every step
	// the record and the backups can put upstream's files back.
	var replaced []string
	for _, f := range next.Files {
		backup := filepath.Join(backups, f.Name)
		if sum, err := sha256File(backup); err == nil && sum == f.Upstream {
			continue // kept by an earlier install
		}
		if err := copyAtomic(filepath.Join(static, f.Name), backup, f.Upstream); err != nil {
			return nil, writeError(static, err)
		}
	}
	if err := writeRecord(backups, next); err != nil {
		return nil, writeError(static, err)
	}
	for _, f := range next.Files {
		if err := copyAtomic(b.source(f.Name), filepath.Join(static, f.Name), f.Ours); err != nil {
			return nil, writeError(static, err)
		}
		replaced = append(replaced, f.Name)
	}
	// A file an earlier install replaced that this bundle does not (the
	// Viewer, when the new one is the package's own) goes back.
	for _, name := range replaceable {
		if !recorded(next.Files, name) && rec != nil && recorded(rec.Files, name) {
			if err := copyAtomic(filepath.Join(backups, name), filepath.Join(static, name), upstream[name]); err != nil {
				return nil, writeError(static, err)
			}
			os.Remove(filepath.Join(backups, name))
		}
	}
	return replaced, nil
}

// ErrNotInstalled is an uninstall of a package with no install recorded.
var ErrNotInstalled = errors.New("not installed")

// Uninstall puts upstream's files back byte for byte and removes the
// backups and the record. It changes nothing, and says why, when a file
// is neither ours nor upstream's any more.
func (p *Package) Uninstall() error {
	static := p.Static()
	backups := filepath.Join(static, BackupDir)
	rec, err := p.readRecord()
	if err != nil {
		return err
	}
	if rec == nil {
		return ErrNotInstalled
	}
	var restore []recordedFile
	for _, f := range rec.Files {
		sum, err := sha256File(filepath.Join(static, f.Name))
		if err != nil {
			return err
		}
		switch sum {
		case f.Upstream:
			continue
		case f.Ours:
		default:
			return fmt.Errorf("static/%s changed since `loader install` wrote it: something else replaced it (pip install -U rerun-notebook?), so there is nothing of ours to take out and the package is upstream's again. Nothing changed; %s is the stale record (`loader install` replaces it, or delete it)",
				f.Name, backups)
		}
		if sum, err := sha256File(filepath.Join(backups, f.Name)); err != nil || sum != f.Upstream {
			return fmt.Errorf("the backup of static/%s in %s is missing or changed, so upstream's file cannot be put back: reinstall rerun-notebook with pip (nothing changed)", f.Name, backups)
		}
		restore = append(restore, f)
	}
	if err := checkWritable(static); err != nil {
		return err
	}
	for _, f := range restore {
		if err := copyAtomic(filepath.Join(backups, f.Name), filepath.Join(static, f.Name), f.Upstream); err != nil {
			return writeError(static, err)
		}
	}
	if err := os.RemoveAll(backups); err != nil {
		return writeError(static, err)
	}
	return nil
}

func recorded(files []recordedFile, name string) bool {
	for _, f := range files {
		if f.Name == name {
			return true
		}
	}
	return false
}

func sameFiles(a, b []recordedFile) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// readRecord returns the install record, or nil when there is none.
func (p *Package) readRecord() (*record, error) {
	path := filepath.Join(p.Static(), BackupDir, recordFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("read the install record %s: %w (delete it only if static/ holds upstream's files)", path, err)
	}
	return &rec, nil
}

func writeRecord(dir string, rec *record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, recordFile), append(b, '\n'))
}

// checkWritable fails, before anything is changed, when dir cannot take a
// new file: a read-only or root-owned site-packages.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".rerun-loader-probe-*")
	if err != nil {
		return writeError(dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

func writeError(dir string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("cannot write into %s: %w. Its site-packages is read-only for you: run as its owner, or use a venv or pip install --user", dir, err)
	}
	return fmt.Errorf("write into %s: %w", dir, err)
}

// copyAtomic copies src over dst through a temporary file in dst's folder
// and checks the copy has the SHA-256 want.
func copyAtomic(src, dst, want string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".rerun-loader-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), in)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%s changed while it was copied (SHA-256 %s, want %s)", src, got, want)
	}
	return os.Rename(tmp.Name(), dst)
}

func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".rerun-loader-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
