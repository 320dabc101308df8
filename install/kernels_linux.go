package install

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of a process's start in /proc/PID/stat:
// 100 on every Linux architecture Go builds for.
const clockTicks = 100

// runningKernels reads /proc for the kernels of the environment at prefix.
func runningKernels(prefix string) ([]Kernel, bool) {
	if prefix == "" {
		return nil, false
	}
	boot, err := bootTime()
	if err != nil {
		return nil, false
	}
	procs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return nil, false
	}
	var kernels []Kernel
	for _, proc := range procs {
		cmdline, err := os.ReadFile(filepath.Join(proc, "cmdline"))
		if err != nil {
			continue // gone, or not ours to read
		}
		argv := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		if !isKernel(argv, prefix) {
			continue
		}
		started, err := startTime(proc, boot)
		if err != nil {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(proc))
		kernels = append(kernels, Kernel{PID: pid, Started: started, Command: strings.Join(argv, " ")})
	}
	return kernels, true
}

// bootTime is the btime line of /proc/stat.
func bootTime() (time.Time, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			sec, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(sec, 0), err
		}
	}
	return time.Time{}, os.ErrNotExist
}

// startTime reads field 22 of /proc/PID/stat, counted after the command
// name, which may hold spaces and parentheses.
func startTime(proc string, boot time.Time) (time.Time, error) {
	b, err := os.ReadFile(filepath.Join(proc, "stat"))
	if err != nil {
		return time.Time{}, err
	}
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 20 {
		return time.Time{}, os.ErrInvalid
	}
	ticks, err := strconv.ParseInt(fields[19], 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return boot.Add(time.Duration(ticks) * time.Second / clockTicks), nil
}
