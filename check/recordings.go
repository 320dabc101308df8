package check

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// recording is one RECORDING argument, as a local file the page server
// serves.
type recording struct {
	Source string `json:"source"` // the argument: a path or an http(s) URL
	Name   string `json:"name"`   // unique, file-name safe; names its PNGs
	path   string
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// prepareScenarios makes the scenarios of the run: the RECORDING
// arguments with the flags' settings, then the scenario file's entries,
// each checked and named, then the shard's share of them; and it checks
// every recording before any browser starts: a file must be there and
// readable, a URL is downloaded once into tmp, so both builds see the same
// bytes and a flaky host cannot make them differ.
func prepareScenarios(ctx context.Context, opts *Options, tmp string, log io.Writer) ([]*scenario, error) {
	d := defaults{size: Size{opts.Width, opts.Height}, theme: opts.Theme, maxDiff: opts.MaxDiff, timeout: opts.Timeout}
	var all []*scenario
	for _, rec := range opts.Recordings {
		sc, err := Scenario{Recording: rec}.resolve(d, "recording "+rec)
		if err != nil {
			return nil, err
		}
		all = append(all, sc)
	}
	for i, s := range opts.Scenarios {
		sc, err := s.resolve(d, fmt.Sprintf("scenario %d (%s)", i+1, s.Recording))
		if err != nil {
			return nil, err
		}
		all = append(all, sc)
	}
	if len(all) == 0 {
		return nil, usageErrorf("no recordings given: name one or more .rrd files or http(s) URLs, or --scenarios FILE")
	}
	// Names: a scenario's own, else its recording's file name, made
	// unique in input order.
	seen := map[string]int{}
	for _, sc := range all {
		if sc.Name != "" {
			if seen[sc.Name]++; seen[sc.Name] > 1 {
				return nil, usageErrorf("scenario name %q is used twice: names name the testcases and PNGs", sc.Name)
			}
		}
	}
	for i, sc := range all {
		sc.Index = i
		if sc.Name != "" {
			continue
		}
		name := defaultName(sc.source)
		if seen[name]++; seen[name] > 1 {
			name += "-" + strconv.Itoa(seen[name])
		}
		sc.Name = name
	}
	var mine []*scenario
	for _, sc := range all {
		if opts.Shard.has(sc.Name) {
			mine = append(mine, sc)
		}
	}
	if len(mine) == 0 {
		// More shards than scenarios: an empty report, which merges.
		fmt.Fprintf(log, "shard %s has none of the %d scenarios\n", opts.Shard, len(all))
	}
	fetched := map[string]*recording{}
	for _, sc := range mine {
		if r, ok := fetched[sc.source]; ok {
			sc.Recording = &recording{Source: r.Source, Name: sc.Name, path: r.path}
			continue
		}
		p, err := fetchRecording(ctx, sc.source, tmp, len(fetched), log)
		if err != nil {
			return nil, err
		}
		sc.Recording = &recording{Source: sc.source, Name: sc.Name, path: p}
		fetched[sc.source] = sc.Recording
	}
	return mine, nil
}

// defaultName is a recording's name when its scenario gives none: its
// file name without .rrd, made file-name safe.
func defaultName(source string) string {
	base := filepath.Base(source)
	if u, err := url.Parse(source); err == nil && isURL(u) {
		base = path.Base(u.Path)
	}
	name := unsafeName.ReplaceAllString(strings.TrimSuffix(base, ".rrd"), "_")
	if name == "" || name == "." || name == "_" {
		name = "recording"
	}
	return name
}

func isURL(u *url.URL) bool { return (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" }

// fetchRecording checks that a local recording is there and readable,
// or downloads a URL into tmp, and returns the local path.
func fetchRecording(ctx context.Context, source, tmp string, i int, log io.Writer) (string, error) {
	if u, err := url.Parse(source); err == nil && isURL(u) {
		return download(ctx, source, tmp, i, log)
	}
	fi, err := os.Stat(source)
	if err != nil {
		return "", usageErrorf("recording %s: %w", source, err)
	}
	if fi.IsDir() {
		return "", usageErrorf("recording %s is a folder; name the .rrd files in it", source)
	}
	f, err := os.Open(source)
	if err != nil {
		return "", usageErrorf("recording %s: %w", source, err)
	}
	f.Close()
	return source, nil
}

func download(ctx context.Context, rawURL, tmp string, i int, log io.Writer) (string, error) {
	fmt.Fprintf(log, "downloading %s\n", rawURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", usageErrorf("recording %s: %w", rawURL, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", usageErrorf("download recording: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", usageErrorf("download recording %s: %s", rawURL, resp.Status)
	}
	p := filepath.Join(tmp, fmt.Sprintf("download-%d.rrd", i))
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return "", usageErrorf("download recording %s: %w", rawURL, err)
	}
	return p, f.Close()
}
