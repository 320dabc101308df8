package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/internal/slowclients"
	"github.com/gorerun/loader/names"
)

// faults runs the loads a long-lived server meets, on each target, and
// prints a table per load: slow and idle clients next to a normal one,
// 64 concurrent downloads in every encoding, and a soak with the server's
// memory and open files sampled.
func faults(w io.Writer, m *assets.Manifest, targets []*target, soak time.Duration) error {
	fmt.Fprintln(w, "\n## Slow clients: 300 trickling their headers a byte every 200 ms, 300 connected and silent, for 12 s")
	fmt.Fprintln(w, "\n| server | normal requests answered | p50 | worst | memory before → during |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, t := range targets {
		if err := slowClients(w, t); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	fmt.Fprintln(w, "\n## 64 concurrent downloads of the Viewer Wasm, a third in each encoding")
	fmt.Fprintln(w, "\n| server | byte-exact | wall time |")
	fmt.Fprintln(w, "|---|---:|---:|")
	want := variantSums(m)
	for _, t := range targets {
		if err := concurrentDownloads(w, t, want); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	if soak > 0 {
		return soakAll(w, targets, want, soak)
	}
	return nil
}

// variantSums maps each encoding to the SHA-256 of the Viewer Wasm sent in
// it.
func variantSums(m *assets.Manifest) map[string]string {
	v := m.Files[names.ViewerFile]
	sums := map[string]string{"identity": v.SHA256}
	for enc, variant := range v.Encodings {
		sums[enc] = variant.SHA256
	}
	return sums
}

// processTree returns pid and its children.
func processTree(pid int) []int {
	pids := []int{pid}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err == nil {
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				pids = append(pids, processTree(c)...)
			}
		}
	}
	return pids
}

// rss is the resident memory of a server's processes, in bytes.
func rss(pid int) int64 {
	var total int64
	for _, p := range processTree(pid) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				total += kb << 10
			}
		}
	}
	return total
}

// openFiles counts the file descriptors of a server's processes.
func openFiles(pid int) int {
	n := 0
	for _, p := range processTree(pid) {
		entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p))
		n += len(entries)
	}
	return n
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

func slowClients(w io.Writer, t *target) error {
	u, err := url.Parse(t.url)
	if err != nil {
		return err
	}
	before := rss(t.pid)
	slow, err := slowclients.Open(u.Host, 300, 300)
	if err != nil {
		return err
	}
	defer slow.Close()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var times []time.Duration
	answered := 0
	during := before
	for end := time.Now().Add(12 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		start := time.Now()
		res, err := client.Get(t.url + "/" + names.WidgetFile)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				answered++
			}
		}
		times = append(times, time.Since(start))
		during = max(during, rss(t.pid))
	}
	slices.Sort(times)
	fmt.Fprintf(w, "| %s | %d of %d | %.1f ms | %.1f ms | %s → %s |\n", t.name, answered, len(times),
		ms(times[len(times)/2]), ms(times[len(times)-1]), mb(before), mb(during))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// download fetches the Viewer Wasm in enc and returns the SHA-256 of what
// came.
func download(client *http.Client, t *target, enc string) (string, error) {
	req, _ := http.NewRequest("GET", t.url+"/"+names.ViewerFile, nil)
	req.Header.Set("Accept-Encoding", enc)
	res, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, res.Body)
	if err != nil {
		return "", err
	}
	if cl := res.Header.Get("Content-Length"); cl != strconv.FormatInt(n, 10) {
		return "", fmt.Errorf("%s: Content-Length %q for %d bytes", enc, cl, n)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

var encodingsByTurn = []string{"br", "gzip", "identity"}

func concurrentDownloads(w io.Writer, t *target, want map[string]string) error {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}}
	var wg sync.WaitGroup
	var exact atomic.Int64
	var firstErr atomic.Pointer[error]
	start := time.Now()
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := encodingsByTurn[i%3]
			sum, err := download(client, t, enc)
			switch {
			case err != nil:
				firstErr.CompareAndSwap(nil, &err)
			case sum == want[enc]:
				exact.Add(1)
			}
		}()
	}
	wg.Wait()
	fmt.Fprintf(w, "| %s | %d of 64 | %.0f ms |\n", t.name, exact.Load(), ms(time.Since(start)))
	if err := firstErr.Load(); err != nil {
		return *err
	}
	return nil
}

// soakAll downloads from every target at once for d, four clients each,
// and samples each server's memory and open files every 10 s.
func soakAll(w io.Writer, targets []*target, want map[string]string, d time.Duration) error {
	fmt.Fprintf(os.Stderr, "soak: %v, every server at once…\n", d)
	type stats struct {
		downloads, bad atomic.Int64
		mem            []int64
		fds            []int
	}
	all := make([]*stats, len(targets))
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for i, t := range targets {
		all[i] = &stats{}
		for c := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
				for n := c; time.Now().Before(end); n++ {
					enc := encodingsByTurn[n%3]
					sum, err := download(client, t, enc)
					all[i].downloads.Add(1)
					if err != nil || sum != want[enc] {
						all[i].bad.Add(1)
					}
				}
			}()
		}
	}
	for time.Now().Before(end) {
		for i, t := range targets {
			all[i].mem = append(all[i].mem, rss(t.pid))
			all[i].fds = append(all[i].fds, openFiles(t.pid))
		}
		fmt.Fprintf(os.Stderr, "soak: %v left\n", time.Until(end).Round(time.Second))
		time.Sleep(min(10*time.Second, max(time.Until(end), 0)))
	}
	wg.Wait()
	fmt.Fprintf(w, "\n## Soak: %v, every server at once, 4 clients each downloading the Viewer Wasm in turn br, gzip, identity; memory and open files every 10 s\n\n", d)
	fmt.Fprintln(w, "| server | downloads | bad | memory first / max / last | open files first / max / last |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for i, t := range targets {
		s := all[i]
		fmt.Fprintf(w, "| %s | %d | %d | %s / %s / %s | %d / %d / %d |\n", t.name, s.downloads.Load(), s.bad.Load(),
			mb(s.mem[0]), mb(slices.Max(s.mem)), mb(s.mem[len(s.mem)-1]), s.fds[0], slices.Max(s.fds), s.fds[len(s.fds)-1])
	}
	return nil
}
