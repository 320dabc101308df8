package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorerun/loader/assets"
)

// TestBenchSmoke runs the whole bench once with the fewest repetitions,
// so `make bench` keeps working: both loaders load, re-run and reload the
// real Viewer, and the report has every metric for both, measured. It
// asserts no timing, so the Viewer works on a text log (a 3D view costs
// SwiftShader ~10 s of shader compilation a load) before the reload, and
// our bundle is compressed at the quick quality of a first run (quality
// 11 costs a fresh machine minutes of a core).
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the Viewer some twenty times in Chromium")
	}
	out := t.TempDir()
	log := io.Discard
	if testing.Verbose() {
		log = os.Stderr
	}
	rep, err := run(context.Background(), config{
		Runs: 1, Reruns: 1, Dwell: time.Second, Out: out, Fixture: "JianbinLiu-CFLab__unity-rerun-sdk__oracle_text_log.rrd",
		Quality: assets.QuickQuality, log: log,
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"A", "B"} {
		samples := rep.Samples[name]
		if len(samples) != 1 {
			t.Fatalf("%s: %d samples, want 1", name, len(samples))
		}
		s := samples[0]
		for metric, v := range map[string]float64{
			"cold": s.ColdMS, "second viewer": s.SecondMS, "reload": s.ReloadMS, "reopen": s.ReopenMS, "throttled": s.ThrottledMS,
			"inline first run": s.InlineFirstMS, "inline first run in a new page": s.InlineWarmMS,
			"cold bytes": float64(s.ColdBytes), "remote bytes": float64(s.RemoteBytes), "renderer RSS": float64(s.RendererRSS),
			"Viewer download end": s.ColdPhases.ViewerLoadedMS, "widget.js received": s.ColdPhases.ModuleLoadedMS,
			"fresh browser, cold": s.FreshColdMS, "fresh browser, reload": s.FreshReloadMS,
		} {
			if v <= 0 {
				t.Errorf("%s: %s = %v, want a measurement", name, metric, v)
			}
		}
		if len(s.InlineRerunMS) != 1 {
			t.Errorf("%s: %d inline re-runs, want 1", name, len(s.InlineRerunMS))
		}
	}
	if rep.Samples["A"][0].GoBootMS != nil || rep.Samples["B"][0].GoBootMS == nil {
		t.Error("the Go boot is measured for B, and only for B")
	}
	// The upstream server sends the Viewer gzip-compressed to both
	// browsers, ours zstd to this machine and brotli to a remote one:
	// another coding for each, fewer bytes than gzip either way, whatever
	// the timing. (Fewest to the remote browser only at quality 11.)
	a, b := rep.Samples["A"][0], rep.Samples["B"][0]
	if b.ColdBytes >= a.ColdBytes || b.RemoteBytes >= a.RemoteBytes || b.RemoteBytes == b.ColdBytes || a.RemoteBytes != a.ColdBytes {
		t.Errorf("bytes: B %d local, %d remote; A %d local, %d remote; want A's the same both ways, B's different ways and below A's",
			b.ColdBytes, b.RemoteBytes, a.ColdBytes, a.RemoteBytes)
	}
	if rep.Loader.Raw <= 0 || rep.Loader.Brotli <= 0 || rep.Loader.Brotli >= rep.Loader.Raw || rep.Loader.Quality != assets.QuickQuality {
		t.Errorf("loader Wasm: %+v, want its size raw and, smaller, at brotli quality %d", rep.Loader, assets.QuickQuality)
	}
	// Our loader marks the Viewer's instantiate and start in every step.
	for _, step := range []string{stepCold, stepSecond, stepReload, stepReopen, stepFreshCold, stepFreshReload, stepThrottled, stepInline, stepInlineWarm} {
		if b.Floors[step] <= 0 {
			t.Errorf("B has no floor for %s: %v", step, b.Floors)
		}
	}
	if len(a.Floors) != 0 {
		t.Errorf("A has floors %v; upstream marks none", a.Floors)
	}
	if len(rep.Floor) != 1 || rep.Floor[0].HelloWorldMS <= 0 || rep.Floor[0].LoaderMS <= 0 {
		t.Errorf("Go boot alone: %+v, want both measured", rep.Floor)
	}

	md, err := os.ReadFile(filepath.Join(out, "bench.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range comparisons {
		if !strings.Contains(string(md), "| "+c.name+" |") {
			t.Errorf("bench.md has no row %q", c.name)
		}
	}
	var raw report
	if b, err := os.ReadFile(filepath.Join(out, "bench.json")); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("bench.json: %v", err)
	}
	if len(raw.Samples["A"]) != 1 || len(raw.Summary) != len(rep.Summary) {
		t.Errorf("bench.json does not hold the samples and the summary")
	}
	pngBytes, err := os.ReadFile(filepath.Join(out, "bench.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatalf("bench.png: %v", err)
	}
	if r := img.Bounds(); r.Dx() < 400 || r.Dy() < 200 {
		t.Errorf("bench.png is %v, too small for the chart", r)
	}
}
