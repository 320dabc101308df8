package install

import (
	"slices"
	"strings"
	"time"
)

// A Kernel is a running Python process of a package's environment that
// reads rerun_notebook's files once, when it starts using them: a notebook
// kernel (the inline mode's widget.js is read when rerun_notebook is
// imported) or an asset server (`python -m rerun_notebook serve`).
type Kernel struct {
	PID     int
	Started time.Time
	Command string
}

// isKernel reports whether a process's argv is a kernel or asset server
// run by the Python of the environment at prefix.
func isKernel(argv []string, prefix string) bool {
	if len(argv) < 2 || !strings.HasPrefix(argv[0], strings.TrimSuffix(prefix, "/")+"/") {
		return false
	}
	return slices.ContainsFunc(argv[1:], func(a string) bool {
		return strings.Contains(a, "ipykernel") || a == distribution
	})
}

// StaleKernels lists the kernels of p's environment that started before
// since (an install or uninstall), so still use the files from before it.
// ok is false where running processes cannot be listed (not Linux).
func (p *Package) StaleKernels(since time.Time) (stale []Kernel, ok bool) {
	all, ok := runningKernels(p.Prefix)
	for _, k := range all {
		if k.Started.Before(since) {
			stale = append(stale, k)
		}
	}
	return stale, ok
}
