package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/gorerun/loader/names"
)

// wheelPlatforms are the platform tags of each target's wheel. The binary
// is static (no cgo), so one wheel serves glibc and musl Linux; Go 1.25
// and later need macOS 12.
var wheelPlatforms = map[string][]string{
	"linux/amd64":   {"manylinux_2_17_x86_64", "manylinux2014_x86_64", "musllinux_1_1_x86_64"},
	"linux/arm64":   {"manylinux_2_17_aarch64", "manylinux2014_aarch64", "musllinux_1_1_aarch64"},
	"darwin/amd64":  {"macosx_12_0_x86_64"},
	"darwin/arm64":  {"macosx_12_0_arm64"},
	"windows/amd64": {"win_amd64"},
	"windows/arm64": {"win_arm64"},
}

// describeVersion is what git describe prints: a tag, a tag with commits
// after it, or a bare commit; "-dirty" for uncommitted changes.
var describeVersion = regexp.MustCompile(`^v?(\d+\.\d+\.\d+)(?:-(\d+)-g([0-9a-f]+))?$`)

// pep440 spells a git describe version the way pip accepts it: v1.2.3 →
// 1.2.3, v1.2.3-4-gabc → 1.2.3.post4+gabc, abc (no tag) → 0.0.0+gabc, and
// -dirty as local version ".dirty".
func pep440(describe string) string {
	base, dirty := strings.CutSuffix(describe, "-dirty")
	var v string
	switch m := describeVersion.FindStringSubmatch(base); {
	case m == nil:
		v = "0.0.0+g" + base
	case m[2] == "":
		v = m[1]
	default:
		v = m[1] + ".post" + m[2] + "+g" + m[3]
	}
	if dirty {
		if strings.Contains(v, "+") {
			return v + ".dirty"
		}
		return v + "+dirty"
	}
	return v
}

// wheelInit is the package's __init__.py: where the binary is.
const wheelInit = `"""The Go loader of the Rerun Viewer for notebooks.

` + "`" + names.PythonScript + ` install` + "`" + ` puts its widget.js into the rerun_notebook of this
environment; ` + "`" + names.PythonScript + ` -h` + "`" + ` lists the other commands.
"""

import os
import sys

__version__ = "{{VERSION}}"


def binary():
    """The path of the loader binary this package carries."""
    name = "loader.exe" if sys.platform == "win32" else "loader"
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", name)
`

// wheelMain runs the binary with this environment's Python as the one it
// works on.
const wheelMain = `import os
import subprocess
import sys

from . import binary


def main():
    env = dict(os.environ)
    env["` + names.PythonEnv + `"] = sys.executable
    args = [binary()] + sys.argv[1:]
    if sys.platform == "win32":
        try:
            sys.exit(subprocess.call(args, env=env))
        except KeyboardInterrupt:
            sys.exit(130)
    os.execve(args[0], args, env)


if __name__ == "__main__":
    main()
`

// writeWheel writes the wheel of one target's binary into dir and returns
// its file name. The same inputs give the same bytes: files in a fixed
// order, each stamped with stamp.
func writeWheel(dir, version, target string, binary []byte, stamp time.Time) (string, error) {
	platforms, ok := wheelPlatforms[target]
	if !ok {
		return "", fmt.Errorf("no wheel platform tags for %s", target)
	}
	pkg, dist := names.PythonPackage, names.PythonPackage+"-"+version
	info := dist + ".dist-info/"
	exe := "loader"
	if strings.HasPrefix(target, "windows/") {
		exe += ".exe"
	}
	var tags strings.Builder
	for _, p := range platforms {
		fmt.Fprintf(&tags, "Tag: py3-none-%s\n", p)
	}
	// pip installs a file executable when its mode in the wheel is.
	files := []archived{
		{pkg + "/__init__.py", []byte(strings.ReplaceAll(wheelInit, "{{VERSION}}", version)), 0o644},
		{pkg + "/__main__.py", []byte(wheelMain), 0o644},
		{pkg + "/bin/" + exe, binary, 0o755},
		{info + "METADATA", []byte(fmt.Sprintf(`Metadata-Version: 2.1
Name: %s
Version: %s
Summary: Runs the Rerun Viewer in notebooks through a Go loader: installs its widget.js into rerun_notebook
License: MIT OR Apache-2.0
Requires-Python: >=3.8

Run `+"`%s install`"+` in the environment of your notebook kernel.
`, names.PythonScript, version, names.PythonScript)), 0o644},
		{info + "WHEEL", []byte("Wheel-Version: 1.0\nGenerator: gorerun-loader release\nRoot-Is-Purelib: false\n" + tags.String()), 0o644},
		{info + "entry_points.txt", []byte(fmt.Sprintf("[console_scripts]\n%s = %s.__main__:main\n", names.PythonScript, pkg)), 0o644},
	}
	var record strings.Builder
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.name, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.data))
	}
	fmt.Fprintf(&record, "%sRECORD,,\n", info)
	files = append(files, archived{info + "RECORD", []byte(record.String()), 0o644})

	var buf bytes.Buffer
	if err := writeZip(&buf, files, stamp); err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s-%s-py3-none-%s.whl", pkg, version, strings.Join(platforms, "."))
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%.1f MB)\n", filepath.Join(dir, name), float64(buf.Len())/1e6)
	return name, nil
}
