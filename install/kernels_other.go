//go:build !linux

package install

// runningKernels cannot list processes here.
func runningKernels(string) ([]Kernel, bool) { return nil, false }
