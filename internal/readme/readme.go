// Package readme reads the project README's code blocks, so tests can
// hold the README's examples to what the code does.
package readme

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Block returns the first fenced code block of language lang ("" for a
// plain fence) that follows the line heading in the README at the root of
// the module.
func Block(heading, lang string) (string, error) {
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("readme: cannot locate the module")
	}
	path := filepath.Join(filepath.Dir(here), "..", "..", "README.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	_, section, ok := strings.Cut(string(raw), heading+"\n")
	if !ok {
		return "", fmt.Errorf("%s has no heading %q", path, heading)
	}
	_, block, ok := strings.Cut(section, "```"+lang+"\n")
	block, _, closed := strings.Cut(block, "```")
	if !ok || !closed {
		return "", fmt.Errorf("%s has no ```%s block under %q", path, lang, heading)
	}
	return block, nil
}
