package browsertest

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/server"
)

// serveVersion builds the bundle for a pinned Viewer version and serves it
// on its own origin for the test.
func serveVersion(t *testing.T, version string) string {
	t.Helper()
	pkg, err := assets.FetchPinnedViewer(context.Background(), version, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := assets.Build(context.Background(), assets.Options{ViewerDir: pkg, OutDir: dir}); err != nil {
		t.Fatal(err)
	}
	h, err := server.New(server.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/widget.js"
}

// TestViewerVersions checks that one loader drives every pinned Viewer: each
// bundle reaches "ready" and opens a recording that Viewer can read.
func TestViewerVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		version   string
		recording string
	}{
		{"0.33.0", "zigzagson__unitree_rerun_sdk__recording.rrd"},
		{"0.31.4", "JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log.rrd"},
		{"0.26.2", "JianbinLiu-CFLab__unity-rerun-sdk__min_text_log.rrd"}, // a text log: 2D opens in a second
		{"0.24.1", "kameel2311__iw_rerun__example.rrd"},                   // 3D: 0.24 reads neither text log
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			url := serveVersion(t, tt.version)
			tab := openTab(t)
			m := mountWidget(t, tab, url, false, defaultTraits())
			ev := sendRecording(t, tab, m.Index, tt.recording)
			t.Logf("viewer %s: ready in %.0f ms, opened %v", tt.version, m.ReadyMS, ev["recording_id"])
		})
	}
}
