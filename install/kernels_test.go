package install

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

func TestIsKernel(t *testing.T) {
	tests := []struct {
		argv []string
		want bool
	}{
		{[]string{"/env/bin/python", "-m", "ipykernel_launcher", "-f", "k.json"}, true},
		{[]string{"/env/bin/python3.11", "-m", "rerun_notebook", "serve"}, true},
		{[]string{"/env/bin/python", "script.py"}, false},
		{[]string{"/other/bin/python", "-m", "ipykernel_launcher"}, false},
		{[]string{"/env2/bin/python", "-m", "ipykernel_launcher"}, false},
		{[]string{"/env/bin/python"}, false},
	}
	for _, tt := range tests {
		if got := isKernel(tt.argv, "/env"); got != tt.want {
			t.Errorf("isKernel(%q) = %v, want %v", tt.argv, got, tt.want)
		}
	}
}

func TestPrefixOf(t *testing.T) {
	for dir, want := range map[string]string{
		"/venv/lib/python3.11/site-packages/rerun_notebook": "/venv",
		"/home/u/src/rerun_notebook":                        "",
	} {
		if got := prefixOf(filepath.FromSlash(dir)); got != filepath.FromSlash(want) {
			t.Errorf("prefixOf(%s) = %q, want %q", dir, got, want)
		}
	}
}

// TestStaleKernels runs a process that looks like a kernel of an
// environment: it is listed as stale for an install after it started, not
// for one before it, and not for another environment.
func TestStaleKernels(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("lists processes from /proc")
	}
	prefix := t.TempDir()
	// A shell waiting on its input, with a kernel's argv.
	cmd := exec.Command("/bin/sh", "-c", "read line", "-m", "ipykernel_launcher")
	cmd.Args[0] = filepath.Join(prefix, "bin", "python")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()

	var k Kernel
	for deadline := time.Now().Add(time.Minute); k.PID == 0; {
		all, ok := runningKernels(prefix)
		if !ok {
			t.Fatal("cannot list processes")
		}
		if i := slices.IndexFunc(all, func(k Kernel) bool { return k.PID == cmd.Process.Pid }); i >= 0 {
			k = all[i]
		} else if time.Now().After(deadline) {
			t.Fatalf("the kernel (pid %d) is not among %+v", cmd.Process.Pid, all)
		}
	}
	p := &Package{Prefix: prefix}
	if stale, _ := p.StaleKernels(k.Started.Add(time.Second)); len(stale) != 1 || stale[0].PID != k.PID {
		t.Errorf("install after the kernel started: stale %+v, want pid %d", stale, k.PID)
	}
	if stale, _ := p.StaleKernels(k.Started); len(stale) != 0 {
		t.Errorf("install before the kernel started: stale %+v, want none", stale)
	}
	other := &Package{Prefix: t.TempDir()}
	if stale, ok := other.StaleKernels(time.Now().Add(time.Hour)); !ok || len(stale) != 0 {
		t.Errorf("another environment: %+v, %v; want none", stale, ok)
	}
}
