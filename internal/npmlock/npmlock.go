// Package npmlock installs tools from npm the way the project pins them:
// a package.json and package-lock.json (whose integrity hashes npm ci
// checks) are installed once per lockfile into the cache, and the files
// that will be run are hashed after the install and checked before every
// use, so a cached tool that was changed is installed again, not run.
package npmlock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/gorerun/loader/internal/atomicdir"
)

// stampFile records the SHA-256 of the files checked before use.
const stampFile = "installed.json"

// Install makes sure the packages of lockDir (its package.json and
// package-lock.json) are installed under cache and returns the folder
// holding their node_modules. check names files under that folder (for
// example node_modules/.bin/esbuild) that must be as installed.
func Install(ctx context.Context, lockDir, cache, name string, log io.Writer, check ...string) (string, error) {
	if log == nil {
		log = io.Discard
	}
	lock, err := os.ReadFile(filepath.Join(lockDir, "package-lock.json"))
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	pkg, err := os.ReadFile(filepath.Join(lockDir, "package.json"))
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	sum := sha256.Sum256(append(append(pkg, 0), lock...))
	dir := filepath.Join(cache, name+"-"+hex.EncodeToString(sum[:6]))
	switch err := verify(dir, check); {
	case err == nil:
		return dir, nil
	case !errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(log, "the cached %s cannot be used (%v): installing it again\n", name, err)
	}

	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cache, "."+name+"-install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	for f, b := range map[string][]byte{"package.json": pkg, "package-lock.json": lock} {
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
			return "", err
		}
	}
	fmt.Fprintf(log, "installing the pinned %s from npm (npm ci)…\n", name)
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm ci %s (from %s): %w\n%s", name, lockDir, err, out)
	}
	if err := writeStamp(tmp, check); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if err := atomicdir.Publish(tmp, dir, func(dir string) error { return verify(dir, check) }); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return dir, nil
}

func writeStamp(dir string, check []string) error {
	sums := map[string]string{}
	for _, rel := range check {
		sum, err := hashFile(filepath.Join(dir, rel))
		if err != nil {
			return fmt.Errorf("the install has no %s: %w", rel, err)
		}
		sums[rel] = sum
	}
	b, err := json.MarshalIndent(sums, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, stampFile), b, 0o644)
}

// verify reports whether dir holds an install whose checked files are as
// installed: os.ErrNotExist when there is none.
func verify(dir string, check []string) error {
	b, err := os.ReadFile(filepath.Join(dir, stampFile))
	if err != nil {
		return err
	}
	var sums map[string]string
	if err := json.Unmarshal(b, &sums); err != nil {
		return fmt.Errorf("%s: %w", stampFile, err)
	}
	for _, rel := range check {
		want, ok := sums[rel]
		if !ok {
			return fmt.Errorf("%s was not checked at install", rel)
		}
		got, err := hashFile(filepath.Join(dir, rel))
		if err != nil {
			return fmt.Errorf("%s is missing or unreadable", rel)
		}
		if got != want {
			return fmt.Errorf("%s was changed", rel)
		}
	}
	return nil
}

// hashFile returns the SHA-256 of a file, following symbolic links (npm's
// .bin entries are links).
func hashFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
