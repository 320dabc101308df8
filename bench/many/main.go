// Command many measures many Viewers on one page, side by side for
// upstream's notebook widget (A: @rerun-io/web-viewer's loader bound as
// rerun-notebook binds it) and ours (B), in one headless Chromium: N
// widgets, one below the other, each sent the same recording, then
// scrolled through from top to bottom. For each loader and N it reports
// the WebGL contexts lost, the Viewers left silently broken, how many show
// their recording within the goal once scrolled to (and how long that
// takes), and the renderer's memory at the end and at its peak.
//
//	go run ./bench/many --widgets 20,50 --out build/bench-many
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/headless"
	"github.com/gorerun/loader/internal/testpage"
	"github.com/gorerun/loader/internal/upstream"
	"github.com/gorerun/loader/names"
	"github.com/gorerun/loader/server"
)

//go:embed many.js
var pageJS []byte

// config says what to measure.
type config struct {
	widgets []int
	loaders string
	fixture string
	budgets []int         // our loader's running-Viewer budgets to measure; 0 is its default
	goal    time.Duration // a Viewer scrolled to shows its recording within it
	wait    time.Duration // how long a Viewer scrolled to is waited for at most
	out     string
	log     io.Writer
}

func main() {
	cfg := config{log: os.Stderr}
	widgets := flag.String("widgets", "20,50", "comma-separated `counts` of widgets on the page")
	flag.StringVar(&cfg.loaders, "loaders", "A,B", "the `loaders` to measure: A (upstream's), B (ours) or both")
	flag.StringVar(&cfg.fixture, "fixture", "bwright000__DDS-SLAM__trail3_viz.rrd", "the `recording` (of the shared fixtures) each widget is sent")
	flag.DurationVar(&cfg.goal, "goal", 3*time.Second, "a Viewer scrolled to should show its recording within this `duration`")
	flag.DurationVar(&cfg.wait, "wait", 6*time.Second, "how long a Viewer scrolled to is waited for at most")
	budgets := flag.String("max-running", "0", "comma-separated running-Viewer `budgets` to measure our loader with (setMaxRunningViewers); 0 is its default")
	flag.StringVar(&cfg.out, "out", "build/bench-many", "`folder` for many.md and many.json")
	flag.Parse()
	cfg.widgets = counts("--widgets", *widgets, 1, "positive counts such as 20,50")
	cfg.budgets = counts("--max-running", *budgets, 0, "counts such as 4,8 (0: the loader's default)")
	results, err := run(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-many:", err)
		os.Exit(1)
	}
	md := markdown(results, cfg)
	fmt.Print(md)
	if err := write(cfg.out, md, results); err != nil {
		fmt.Fprintln(os.Stderr, "bench-many:", err)
		os.Exit(1)
	}
}

// result is one loader with N widgets.
type result struct {
	Loader         string         `json:"loader"`
	Widgets        int            `json:"widgets"`
	Opened         int            `json:"opened"` // recordings opened before the scroll
	Paused         int            `json:"paused"` // Viewers paused before they opened it
	LostContexts   int            `json:"lost_contexts"`
	SilentlyBroken int            `json:"silently_broken"` // lost contexts nothing on the page says
	ShownInGoal    int            `json:"shown_within_goal"`
	Shown          int            `json:"shown"`
	ShowMS         []float64      `json:"show_ms"` // per widget, -1 when it never showed
	States         map[string]int `json:"states_at_end"`
	RSSEnd         int64          `json:"renderer_rss_end_bytes"`
	RSSPeak        int64          `json:"renderer_rss_peak_bytes"`
}

// variant is a loader's widget.js, served with its Viewer.
type variant struct {
	name    string
	handler http.Handler
	// maxRunning, when not 0, is set with the widget module's
	// setMaxRunningViewers before any widget is added.
	maxRunning int
}

func run(ctx context.Context, cfg config) ([]result, error) {
	cache, err := assets.CacheDir()
	if err != nil {
		return nil, err
	}
	pkg, err := assets.FetchViewer(ctx, assets.DefaultViewer(), cache, cfg.log)
	if err != nil {
		return nil, err
	}
	fixtures, err := testpage.FixtureDir()
	if err != nil {
		return nil, err
	}
	ours, err := os.MkdirTemp("", "bench-many-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(ours)
	if _, err := assets.Build(ctx, assets.Options{ViewerDir: pkg, OutDir: ours, Log: cfg.log}); err != nil {
		return nil, err
	}
	h, err := server.New(server.Config{Dir: ours})
	if err != nil {
		return nil, err
	}
	widget, err := upstream.NotebookWidget(ctx, pkg, cache, cfg.log)
	if err != nil {
		return nil, err
	}
	variants := []variant{{name: "A upstream", handler: upstreamHandler(widget, filepath.Join(pkg, names.ViewerFile))}}
	for _, k := range cfg.budgets {
		name := "B ours"
		if k > 0 {
			name = fmt.Sprintf("B ours, %d running", k)
		}
		variants = append(variants, variant{name: name, handler: h, maxRunning: k})
	}
	br, err := headless.Launch(ctx)
	if err != nil {
		return nil, err
	}
	defer br.Close()
	pages := testpage.Server(map[string]http.Handler{
		"/rrd/{name}": http.StripPrefix("/rrd/", http.FileServer(http.Dir(fixtures))),
		"/many.js": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(pageJS)
		}),
	})
	defer pages.Close()
	var results []result
	for _, n := range cfg.widgets {
		for _, v := range variants {
			if !strings.Contains(cfg.loaders, v.name[:1]) {
				continue
			}
			fmt.Fprintf(cfg.log, "%s, %d widgets…\n", v.name, n)
			r, err := measure(br, pages.URL, v, n, cfg)
			if err != nil {
				return nil, fmt.Errorf("%s, %d widgets: %w", v.name, n, err)
			}
			results = append(results, r)
		}
	}
	return results, nil
}

// upstreamHandler serves upstream's widget and the Viewer, as the
// package's asset server does (CORS open, right types).
func upstreamHandler(widget []byte, viewerPath string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		switch filepath.Base(r.URL.Path) {
		case names.WidgetFile:
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(widget)
		case names.ViewerFile:
			w.Header().Set("Content-Type", "application/wasm")
			http.ServeFile(w, r, viewerPath)
		default:
			http.NotFound(w, r)
		}
	})
}

// measure puts n widgets of v on a new page, sends each the recording,
// then scrolls through them, sampling the renderer's memory throughout.
func measure(br *headless.Browser, pagesURL string, v variant, n int, cfg config) (result, error) {
	r := result{Loader: v.name, Widgets: n}
	assetSrv := httptest.NewServer(v.handler)
	defer assetSrv.Close()
	tab, err := br.NewTab()
	if err != nil {
		return r, err
	}
	defer tab.Close()
	if err := tab.Open(pagesURL + "/"); err != nil {
		return r, err
	}
	page := `(await import("/many.js"))`
	if _, err := headless.Eval[bool](tab, `(async () => { await import("/many.js"); return true; })()`); err != nil {
		return r, err
	}

	var mu sync.Mutex
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if rss, err := tab.RendererRSS(); err == nil {
				mu.Lock()
				r.RSSPeak = max(r.RSSPeak, rss)
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		<-sampled
	}()

	traits := map[string]any{"_width": 640, "_height": 360, "_url": nil, "_panel_states": nil, "_fallback_token": nil}
	if _, err := headless.Eval[int](tab, fmt.Sprintf(`(async () => %s.addWidgets(%s, %d, %s, %d))()`,
		page, headless.JS(assetSrv.URL+"/"+names.WidgetFile), n, headless.JS(traits), v.maxRunning)); err != nil {
		return r, fmt.Errorf("add the widgets: %w", err)
	}
	sent, err := headless.Eval[struct{ Opened, Paused int }](tab, fmt.Sprintf(`(async () => %s.sendAll(%s, %d))()`,
		page, headless.JS("/rrd/"+cfg.fixture), (time.Duration(n)*10*time.Second).Milliseconds()))
	if err != nil {
		return r, fmt.Errorf("send the recordings: %w", err)
	}
	r.Opened, r.Paused = sent.Opened, sent.Paused
	fmt.Fprintf(cfg.log, "  %d of %d opened their recording, %d were paused first\n", sent.Opened, n, sent.Paused)
	for i := range n {
		ms, err := headless.Eval[float64](tab, fmt.Sprintf(`(async () => %s.scrollTo(%d, %d))()`, page, i, cfg.wait.Milliseconds()))
		if err != nil {
			return r, fmt.Errorf("scroll to widget %d: %w", i, err)
		}
		r.ShowMS = append(r.ShowMS, ms)
		if ms >= 0 {
			r.Shown++
			if ms <= float64(cfg.goal.Milliseconds()) {
				r.ShownInGoal++
			}
		}
	}
	sum, err := headless.Eval[summary](tab, `(async () => `+page+`.summary())()`)
	if err != nil {
		return r, err
	}
	r.States, r.LostContexts, r.SilentlyBroken = sum.States, sum.LostContexts, sum.States["lost"]
	close(stop)
	<-sampled
	if rss, err := tab.RendererRSS(); err == nil {
		r.RSSEnd = rss
	}
	mu.Lock()
	r.RSSPeak = max(r.RSSPeak, r.RSSEnd)
	mu.Unlock()
	fmt.Fprintf(cfg.log, "  %d contexts lost, %d silently broken, %d/%d shown within %v, renderer %.0f MB at the end, %.0f MB at its peak\n",
		r.LostContexts, r.SilentlyBroken, r.ShownInGoal, n, cfg.goal, mb(r.RSSEnd), mb(r.RSSPeak))
	return r, nil
}

// summary is many.js's count of the widgets by state and of the contexts
// lost.
type summary struct {
	States       map[string]int `json:"states"`
	LostContexts int            `json:"lostContexts"`
}

func mb(n int64) float64 { return float64(n) / 1e6 }

// markdown is the report: one row per loader and widget count, and the
// B/A ratio of peak memory per count.
func markdown(results []result, cfg config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| loader | widgets | opened / paused first | contexts lost | silently broken | shown within %v when scrolled to | median / slowest to show | renderer MB at end | peak |\n", cfg.goal)
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %d | %d / %d | %d | %d | %d of %d | %s | %.0f | %.0f |\n", r.Loader, r.Widgets, r.Opened, r.Paused,
			r.LostContexts, r.SilentlyBroken, r.ShownInGoal, r.Widgets, showTimes(r.ShowMS), mb(r.RSSEnd), mb(r.RSSPeak))
	}
	b.WriteString("\n")
	for _, a := range results {
		if !strings.HasPrefix(a.Loader, "A") || a.RSSPeak == 0 {
			continue
		}
		for _, o := range results {
			if o.Widgets == a.Widgets && strings.HasPrefix(o.Loader, "B") {
				fmt.Fprintf(&b, "%d widgets: peak memory %s / A = %.2f (goal at 20: ≤ 0.50)\n", a.Widgets, o.Loader, float64(o.RSSPeak)/float64(a.RSSPeak))
			}
		}
	}
	return b.String()
}

// showTimes is the median and slowest time to show, of the Viewers that
// showed, and how many never did.
func showTimes(ms []float64) string {
	var shown []float64
	for _, m := range ms {
		if m >= 0 {
			shown = append(shown, m)
		}
	}
	if len(shown) == 0 {
		return "none showed"
	}
	slices.Sort(shown)
	s := fmt.Sprintf("%.0f / %.0f ms", shown[len(shown)/2], shown[len(shown)-1])
	if never := len(ms) - len(shown); never > 0 {
		s += fmt.Sprintf(" (%d never)", never)
	}
	return s
}

func write(dir, md string, results []result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "many.md"), []byte(md), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "many.json"), append(js, '\n'), 0o644)
}

// counts reads a flag's comma-separated list of counts of at least least,
// or exits with want in the message.
func counts(name, list string, least int, want string) []int {
	var out []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < least {
			fmt.Fprintf(os.Stderr, "bench-many: %s %q: want %s\n", name, list, want)
			os.Exit(2)
		}
		out = append(out, n)
	}
	return out
}
