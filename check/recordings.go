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

// loadRecordings checks every argument before any browser starts: a file
// must be there and readable, a URL is downloaded once into tmp, so both
// builds see the same bytes and a flaky host cannot make them differ.
func loadRecordings(ctx context.Context, args []string, tmp string, log io.Writer) ([]*recording, error) {
	if len(args) == 0 {
		return nil, usageErrorf("no recordings given: name one or more .rrd files or http(s) URLs")
	}
	seen := map[string]int{}
	var recs []*recording
	for _, arg := range args {
		r := &recording{Source: arg}
		base := filepath.Base(arg)
		if u, err := url.Parse(arg); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			base = path.Base(u.Path)
			p, err := download(ctx, arg, tmp, len(recs), log)
			if err != nil {
				return nil, err
			}
			r.path = p
		} else {
			fi, err := os.Stat(arg)
			if err != nil {
				return nil, usageErrorf("recording %s: %w", arg, err)
			}
			if fi.IsDir() {
				return nil, usageErrorf("recording %s is a folder; name the .rrd files in it", arg)
			}
			f, err := os.Open(arg)
			if err != nil {
				return nil, usageErrorf("recording %s: %w", arg, err)
			}
			f.Close()
			r.path = arg
		}
		name := unsafeName.ReplaceAllString(strings.TrimSuffix(base, ".rrd"), "_")
		if name == "" || name == "." || name == "_" {
			name = "recording"
		}
		if seen[name]++; seen[name] > 1 {
			name += "-" + strconv.Itoa(seen[name])
		}
		r.Name = name
		recs = append(recs, r)
	}
	return recs, nil
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
