// Command widget measures our widget.js against the upstream notebook
// widget, side by side in one headless Chromium: A is @rerun-io/web-viewer's
// own loader bound to anywidget as rerun-notebook binds it, bundled here
// with esbuild and served as rerun-notebook's asset server serves it; B is
// our widget.js served by our server. Runs alternate A and B and the report
// shows medians and B/A ratios, as Markdown (also printed), a PNG chart and
// the raw numbers as JSON.
//
//	go run ./bench/widget --runs 5 --out build/bench
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/internal/testpage"
	"github.com/gorerun/loader/internal/upstream"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

func main() {
	// What ships and what the bench measures is brotli quality 11.
	cfg := config{Quality: 11, log: os.Stderr}
	flag.IntVar(&cfg.Runs, "runs", 5, "samples of each loader; A and B alternate")
	flag.IntVar(&cfg.Reruns, "reruns", 10, "inline cell re-runs per sample, after the first run")
	flag.DurationVar(&cfg.Dwell, "dwell", 10*time.Second, "how long the Viewer works on a recording before the page reloads")
	flag.StringVar(&cfg.Out, "out", "build/bench", "`folder` for bench.md, bench.png and bench.json")
	flag.StringVar(&cfg.Fixture, "fixture", defaultFixture, "the `recording` (of the shared fixtures) the Viewer works on before the reload")
	flag.Parse()
	if cfg.Runs < 1 || cfg.Reruns < 0 || cfg.Dwell < 0 {
		fmt.Fprintln(os.Stderr, "bench: --runs must be at least 1, --reruns and --dwell not negative")
		os.Exit(2)
	}
	rep, err := run(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	fmt.Print(rep.markdown())
	fmt.Fprintf(os.Stderr, "wrote %s, %s and %s\n",
		filepath.Join(cfg.Out, "bench.md"), filepath.Join(cfg.Out, "bench.png"), filepath.Join(cfg.Out, "bench.json"))
}

// config says what to measure and where the report goes.
type config struct {
	Runs    int
	Reruns  int
	Dwell   time.Duration
	Out     string
	Fixture string
	// Quality is the brotli quality of our bundle: 11 as released; the
	// smoke test takes a quick one, as quality 11 costs a fresh machine
	// minutes of a core on the Viewer.
	Quality int
	log     io.Writer
}

// defaultFixture is the recording the Viewer works on before the reload:
// a 3D reconstruction with a blueprint, as heavy as notebooks' are.
const defaultFixture = "bwright000__DDS-SLAM__stereomis_recon.rrd"

func run(ctx context.Context, cfg config) (*report, error) {
	log := cfg.log
	cache, err := assets.CacheDir()
	if err != nil {
		return nil, err
	}
	pkg, err := assets.FetchViewer(ctx, assets.DefaultViewer(), cache, log)
	if err != nil {
		return nil, err
	}
	fixtures, err := testpage.FixtureDir()
	if err != nil {
		return nil, err
	}
	viewer, err := os.ReadFile(filepath.Join(pkg, names.ViewerFile))
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(log, "compressing the Viewer with gzip -9 (upstream's asset server and inline mode)…")
	viewerGzip, err := systemGzip(ctx, viewer)
	if err != nil {
		return nil, err
	}

	ours, err := buildOurs(ctx, pkg, cache, cfg.Quality, log)
	if err != nil {
		return nil, err
	}
	b, err := ours.variant(viewerGzip)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(ours.dir)

	fl, err := buildFloor(ctx, ours.wasm)
	if err != nil {
		return nil, err
	}

	upstreamWidget, err := upstream.NotebookWidget(ctx, pkg, cache, log)
	if err != nil {
		return nil, err
	}
	upstreamInline, err := headless.Inline(string(upstreamWidget), viewerGzip)
	if err != nil {
		return nil, fmt.Errorf("inline the upstream widget: %w", err)
	}
	a := &variant{
		Name: "A", Label: "upstream: @rerun-io/web-viewer index.js + glue (esbuild), gzip, no validators",
		handler: &upstreamServer{widget: upstreamWidget, viewerGzip: viewerGzip, viewer: viewer},
		inline:  []byte(upstreamInline),
	}

	br, err := headless.Launch(ctx)
	if err != nil {
		return nil, err
	}
	defer br.Close()
	version, err := br.Version()
	if err != nil {
		return nil, err
	}

	rep := &report{
		Environment: environment{
			Browser: version, Viewer: assets.DefaultViewer().Version, Go: runtime.Version(),
			CPUs: runtime.NumCPU(), When: time.Now().UTC().Format(time.RFC3339),
		},
		Settings: settings{Reruns: cfg.Reruns, Dwell: cfg.Dwell, Fixture: cfg.Fixture},
		Variants: []*variant{a, b},
		Samples:  map[string][]sample{},
		Loader:   ours.loader,
	}
	set := rep.Settings
	set.log = log
	for i := range cfg.Runs {
		order := []*variant{a, b}
		if i%2 == 1 {
			order = []*variant{b, a}
		}
		for _, v := range order {
			fmt.Fprintf(log, "run %d/%d, %s:\n", i+1, cfg.Runs, v.Name)
			s, err := measure(br, v, fixtures, set)
			if err != nil {
				return nil, fmt.Errorf("run %d, %s: %w", i+1, v.Name, err)
			}
			rep.Samples[v.Name] = append(rep.Samples[v.Name], s)
		}
		f, err := fl.measure(br)
		if err != nil {
			return nil, fmt.Errorf("run %d: %w", i+1, err)
		}
		fmt.Fprintf(log, "  Go boot alone: hello world %.0f ms, loader %.0f ms\n", f.HelloWorldMS, f.LoaderMS)
		rep.Floor = append(rep.Floor, f)
	}
	if err := rep.write(br, cfg.Out); err != nil {
		return nil, err
	}
	return rep, nil
}

// ourBuild is our bundle for the pinned Viewer, built in a temporary dir.
type ourBuild struct {
	dir    string
	wasm   []byte // the Go loader
	loader loaderSize
}

// loaderSize is the size of the Go loader Wasm, raw and as a remote
// browser receives it: the bundle's brotli variant.
type loaderSize struct {
	Raw     int `json:"raw"`
	Brotli  int `json:"brotli"`
	Quality int `json:"brotli_quality"`
}

func buildOurs(ctx context.Context, pkg, cache string, quality int, log io.Writer) (*ourBuild, error) {
	dir, err := os.MkdirTemp("", "bench-ours-")
	if err != nil {
		return nil, err
	}
	res, err := assets.Build(ctx, assets.Options{ViewerDir: pkg, OutDir: dir, Log: log,
		Compression: &assets.Compression{Quality: quality, Cache: cache, Log: log}})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	br := res.Manifest.Files[names.LoaderFile].Encodings["br"].Size
	return &ourBuild{dir: dir, wasm: res.Loader, loader: loaderSize{Raw: len(res.Loader), Brotli: int(br), Quality: quality}}, nil
}

func (o *ourBuild) variant(viewerGzip []byte) (*variant, error) {
	h, err := server.New(server.Config{Dir: o.dir})
	if err != nil {
		return nil, err
	}
	// Inline mode hands the browser widget.js alone: loader install puts
	// the standalone build there.
	widget, err := os.ReadFile(filepath.Join(o.dir, names.StandaloneWidgetFile))
	if err != nil {
		return nil, err
	}
	inline, err := headless.Inline(string(widget), viewerGzip)
	if err != nil {
		return nil, fmt.Errorf("inline our widget: %w", err)
	}
	return &variant{Name: "B", Label: "ours: Go loader widget.js, served by our server", handler: h, inline: []byte(inline)}, nil
}
