// Command server benchmarks serving one bundle, side by side in one run on
// loopback: the loader's own server, nginx with the generated nginx.conf
// (brotli_static, gzip_static) and python3 -m http.server (what
// rerun-notebook's asset server builds on). It loads each with wrk for the
// Viewer Wasm, brotli and gzip, at 1 and 8 connections, measures the time
// from process start to first answer, and prints a Markdown table with
// ratios to nginx.
//
//	go run ./bench/server --dir build/dist --loader build/bin/loader
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/internal/nginx"
	"github.com/gorerun/loader/names"
)

func main() {
	dir := flag.String("dir", "build/dist", "bundle `folder` built by loader build (with .br/.gz)")
	loader := flag.String("loader", "build/bin/loader", "the loader `binary`")
	duration := flag.Duration("duration", 3*time.Second, "how long each load runs")
	rounds := flag.Int("rounds", 3, "rounds of every load, servers alternating; the table shows medians")
	soak := flag.Duration("soak", 10*time.Minute, "how long the soak runs, nginx and ours side by side (0: no soak)")
	flag.Parse()
	if *rounds < 1 {
		fmt.Fprintln(os.Stderr, "bench-server: --rounds must be at least 1")
		os.Exit(2)
	}
	if err := run(*dir, *loader, *duration, *rounds, *soak); err != nil {
		fmt.Fprintln(os.Stderr, "bench-server:", err)
		os.Exit(1)
	}
}

// target is one server under test.
type target struct {
	name       string
	url        string
	startup    time.Duration // process start → first 200 for widget.js
	negotiates bool          // false: ask for the .br/.gz file by name
	pid        int           // the server process (nginx: its master)
	stop       func()
}

type result struct {
	server, encoding string
	conns            int
	reqs, mbps       float64
}

func run(dir, loader string, d time.Duration, rounds int, soak time.Duration) error {
	m, err := assets.ReadManifest(dir)
	if err != nil {
		return err
	}
	if len(m.Files[names.ViewerFile].Encodings) == 0 {
		return errors.New("the bundle has no .br/.gz variants: build it with precompression")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (Debian package wrk)")
	}
	var targets []*target
	defer func() {
		for _, t := range targets {
			t.stop()
		}
	}()
	for _, start := range []func() (*target, error){
		func() (*target, error) { return startNginx(dir) },
		func() (*target, error) { return startOurs(dir, loader) },
		func() (*target, error) { return startPython(dir) },
	} {
		t, err := start()
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}

	var results []result
	for _, enc := range []string{"br", "gzip"} {
		for _, conns := range []int{1, 8} {
			samples := make([][]result, len(targets))
			for round := range rounds {
				for i, t := range targets {
					r, err := load(t, enc, conns, d, m)
					if err != nil {
						return fmt.Errorf("%s: %w", t.name, err)
					}
					samples[i] = append(samples[i], r)
					fmt.Fprintf(os.Stderr, "round %d: %-7s %-4s %d conn: %7.1f req/s %7.0f MB/s\n", round+1, t.name, enc, conns, r.reqs, r.mbps)
				}
			}
			for _, s := range samples {
				results = append(results, median(s))
			}
		}
	}
	printTable(os.Stdout, targets, results, d, rounds, m)
	// The fault loads are for servers meant to be left running: python's
	// single-threaded server is not one (one slow client stops it).
	return faults(os.Stdout, m, targets[:2], soak)
}

// median returns the sample with the median request rate.
func median(s []result) result {
	sorted := append([]result(nil), s...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].reqs < sorted[j].reqs })
	return sorted[len(sorted)/2]
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitFirstAnswer polls url until it answers 200 and returns how long
// after start that was.
func waitFirstAnswer(url string, start time.Time) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		res, err := client.Get(url)
		if err != nil {
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			return time.Since(start), nil
		}
	}
	return 0, errors.New(url + " never answered 200")
}

func startNginx(dir string) (*target, error) {
	s, err := nginx.Start(dir, 0)
	if err != nil {
		return nil, err
	}
	up, err := waitFirstAnswer(s.URL+"/widget.js", s.Started)
	if err != nil {
		s.Stop()
		return nil, err
	}
	return &target{name: "nginx", url: s.URL, startup: up, negotiates: true, pid: s.Pid(), stop: s.Stop}, nil
}

func startProcess(name string, url string, negotiates bool, cmd *exec.Cmd) (*target, error) {
	cmd.Stdout = io.Discard
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	up, err := waitFirstAnswer(url+"/widget.js", start)
	if err != nil {
		stop()
		return nil, err
	}
	return &target{name: name, url: url, startup: up, negotiates: negotiates, pid: cmd.Process.Pid, stop: stop}, nil
}

func startOurs(dir, loader string) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(loader)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(abs, "serve", "--dir", dir, "--bind-address", "127.0.0.1", "--port", strconv.Itoa(port))
	return startProcess("loader", fmt.Sprintf("http://127.0.0.1:%d", port), true, cmd)
}

func startPython(dir string) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("python3", "-m", "http.server", strconv.Itoa(port), "--bind", "127.0.0.1", "--directory", dir)
	// It logs every request and a traceback for every client that hangs
	// up, as wrk does at the end of a run.
	cmd.Stderr = io.Discard
	return startProcess("python", fmt.Sprintf("http://127.0.0.1:%d", port), false, cmd)
}

// load runs wrk against the Viewer Wasm in one encoding.
func load(t *target, enc string, conns int, d time.Duration, m *assets.Manifest) (result, error) {
	url := t.url + "/" + names.ViewerFile
	args := []string{"-t", strconv.Itoa(min(conns, 2)), "-c", strconv.Itoa(conns), "-d", d.String()}
	if t.negotiates {
		args = append(args, "-H", "Accept-Encoding: "+enc)
	} else {
		url = t.url + "/" + m.Files[names.ViewerFile].Encodings[enc].File
	}
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	r := result{server: t.name, encoding: enc, conns: conns}
	if r.reqs, err = wrkValue(out, `Requests/sec:\s+([\d.]+)`); err != nil {
		return r, err
	}
	transfer, err := wrkTransfer(out)
	if err != nil {
		return r, err
	}
	r.mbps = transfer / 1e6
	if strings.Contains(string(out), "Non-2xx") {
		return r, fmt.Errorf("%s answered errors under load:\n%s", t.name, out)
	}
	return r, nil
}

func wrkValue(out []byte, pattern string) (float64, error) {
	m := regexp.MustCompile(pattern).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no %q in wrk output:\n%s", pattern, out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// wrkTransfer reads wrk's Transfer/sec in bytes per second.
func wrkTransfer(out []byte) (float64, error) {
	m := regexp.MustCompile(`Transfer/sec:\s+([\d.]+)([KMG]?B)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no Transfer/sec in wrk output:\n%s", out)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	scale := map[string]float64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[string(m[2])]
	return v * scale, err
}

func printTable(w io.Writer, targets []*target, results []result, d time.Duration, rounds int, m *assets.Manifest) {
	v := m.Files[names.ViewerFile]
	fmt.Fprintf(w, "\n## Serving the Viewer Wasm (%.1f MB; br %.1f MB, gzip %.1f MB), loopback, wrk %s per run, median of %d alternating rounds\n\n",
		float64(v.Size)/1e6, float64(v.Encodings["br"].Size)/1e6, float64(v.Encodings["gzip"].Size)/1e6, d, rounds)
	fmt.Fprintln(w, "| encoding | conns | server | req/s | MB/s | × nginx |")
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|")
	ref := map[string]float64{}
	for _, r := range results {
		if r.server == "nginx" {
			ref[fmt.Sprint(r.encoding, r.conns)] = r.reqs
		}
	}
	for _, r := range results {
		ratio := r.reqs / ref[fmt.Sprint(r.encoding, r.conns)]
		fmt.Fprintf(w, "| %s | %d | %s | %.1f | %.0f | %.2f |\n", r.encoding, r.conns, r.server, r.reqs, r.mbps, ratio)
	}
	fmt.Fprintln(w, "\n| server | process start → first answer | × nginx |")
	fmt.Fprintln(w, "|---|---:|---:|")
	var nginxUp time.Duration
	for _, t := range targets {
		if t.name == "nginx" {
			nginxUp = t.startup
		}
	}
	for _, t := range targets {
		fmt.Fprintf(w, "| %s | %.1f ms | %.2f |\n", t.name, float64(t.startup.Microseconds())/1000, float64(t.startup)/float64(nginxUp))
	}
}
