package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gorerun/loader/headless"
)

// environment is where the bench ran.
type environment struct {
	Browser string `json:"browser"`
	Viewer  string `json:"viewer"`
	Go      string `json:"go"`
	CPUs    int    `json:"cpus"`
	When    string `json:"when"`
}

// report is everything one bench run measured.
type report struct {
	Environment environment         `json:"environment"`
	Settings    settings            `json:"settings"`
	Variants    []*variant          `json:"variants"`
	Samples     map[string][]sample `json:"samples"` // by variant name
	Loader      loaderSize          `json:"loader_wasm"`
	Floor       []floorSample       `json:"go_boot_alone"`
	Summary     []row               `json:"summary"`
}

// row is one line of the summary: medians of A and B and their ratio.
type row struct {
	Metric string  `json:"metric"`
	Unit   string  `json:"unit"`
	A      float64 `json:"a,omitempty"`
	B      float64 `json:"b"`
	N      int     `json:"n"` // values behind each median
	// Ratio is B/A, when both have the metric.
	Ratio float64 `json:"ratio,omitempty"`
	// Goal is the most B/A (or, with no A, B) may be; 0 means none.
	Goal float64 `json:"goal,omitempty"`
	// GoalDelta is the most B may exceed A by, in the row's unit; 0 means
	// none.
	GoalDelta float64 `json:"goal_delta,omitempty"`
	Met       *bool   `json:"met,omitempty"`
	// Floor is the median of the Viewer's own instantiate + start in the
	// step behind the row, measured in B's runs (the same Viewer on the
	// same machine for A); 0 when the row has none.
	Floor float64 `json:"floor,omitempty"`
}

// comparison is a metric both loaders have.
type comparison struct {
	name, unit string
	scale      float64 // unit per raw value
	goal       float64 // B/A at most
	goalDelta  float64 // B − A at most, in unit
	values     func(sample) []float64
	step       string // whose floor the row shows, or ""
}

func one(f func(sample) float64) func(sample) []float64 {
	return func(s sample) []float64 { return []float64{f(s)} }
}

// The goals are issue 23's: medians of `make bench RUNS=5`, ours/upstream
// in the same run; a download start within 30 ms of upstream's.
var comparisons = []comparison{
	{"cold time to ready, loopback", "ms", 1, 0.70, 0, one(func(s sample) float64 { return s.ColdMS }), stepCold},
	{"… widget.js received", "ms", 1, 0, 0, one(func(s sample) float64 { return s.ColdPhases.ModuleLoadedMS }), ""},
	{"… Viewer download starts", "ms", 1, 0, 30, one(func(s sample) float64 { return s.ColdPhases.ViewerRequestMS }), ""},
	{"… Viewer received", "ms", 1, 0, 0, one(func(s sample) float64 { return s.ColdPhases.ViewerLoadedMS }), ""},
	{"cold, remote: proxy, 50 Mbit/s, 40 ms RTT", "ms", 1, 0.70, 0, one(func(s sample) float64 { return s.ThrottledMS }), stepThrottled},
	{"… widget.js received", "ms", 1, 0, 0, one(func(s sample) float64 { return s.ThrottledPhases.ModuleLoadedMS }), ""},
	{"… Viewer download starts", "ms", 1, 0, 30, one(func(s sample) float64 { return s.ThrottledPhases.ViewerRequestMS }), ""},
	{"… Viewer received", "ms", 1, 0, 0, one(func(s sample) float64 { return s.ThrottledPhases.ViewerLoadedMS }), ""},
	{"second viewer on the page", "ms", 1, 1.0, 0, one(func(s sample) float64 { return s.SecondMS }), stepSecond},
	{"inline cell re-run", "ms", 1, 0.4, 0, func(s sample) []float64 { return s.InlineRerunMS }, ""},
	{"inline cell, first run", "ms", 1, 0.85, 0, one(func(s sample) float64 { return s.InlineFirstMS }), stepInline},
	{"inline cell, first run in a new page (warm caches)", "ms", 1, 0, 0, one(func(s sample) float64 { return s.InlineWarmMS }), stepInlineWarm},
	{"page reload, warm HTTP cache", "ms", 1, 0.8, 0, one(func(s sample) float64 { return s.ReloadMS }), stepReload},
	{"… Viewer received", "ms", 1, 0, 0, one(func(s sample) float64 { return s.ReloadPhases.ViewerLoadedMS }), ""},
	{"page reopened in a new tab, warm HTTP cache", "ms", 1, 0.70, 0, one(func(s sample) float64 { return s.ReopenMS }), stepReopen},
	{"… Viewer received", "ms", 1, 0, 0, one(func(s sample) float64 { return s.ReopenPhases.ViewerLoadedMS }), ""},
	{"cold, a browser started for the sample", "ms", 1, 0.75, 0, one(func(s sample) float64 { return s.FreshColdMS }), stepFreshCold},
	{"reload, a browser started for the sample", "ms", 1, 0.75, 0, one(func(s sample) float64 { return s.FreshReloadMS }), stepFreshReload},
	{"bytes on the wire, remote client", "MB", 1e-6, 0.7, 0, one(func(s sample) float64 { return float64(s.RemoteBytes) }), ""},
	{"bytes on the wire, cold loopback", "MB", 1e-6, 0, 0, one(func(s sample) float64 { return float64(s.ColdBytes) }), ""},
	{"bytes on the wire, reload", "MB", 1e-6, 0, 0, one(func(s sample) float64 { return float64(s.ReloadBytes) }), ""},
	{"renderer memory after the inline re-runs", "MiB", 1.0 / (1 << 20), 0.8, 0, one(func(s sample) float64 { return float64(s.RendererRSS) }), ""},
}

// Goals for ours alone.
const (
	goBootGoalMS       = 80
	loaderBrotliGoalKB = 500
	// inlineWarmGoal is the most the inline cell's first run in a new page
	// may take, as a share of its first run with cold caches.
	inlineWarmGoal = 0.6
)

// overheadGoals are the most our time to ready may exceed the floor by,
// per step.
var overheadGoals = []struct {
	name, step string
	goalMS     float64
	values     func(sample) float64
}{
	{"loader overhead above the floor, cold loopback", stepCold, 300, func(s sample) float64 { return s.ColdMS }},
	{"loader overhead above the floor, reload", stepReload, 200, func(s sample) float64 { return s.ReloadMS }},
}

func (r *report) summarize() {
	r.Summary = nil
	for _, c := range comparisons {
		var a, b []float64
		for _, s := range r.Samples["A"] {
			a = append(a, c.values(s)...)
		}
		for _, s := range r.Samples["B"] {
			b = append(b, c.values(s)...)
		}
		if len(a) == 0 || len(b) == 0 {
			continue
		}
		x := row{Metric: c.name, Unit: c.unit, A: median(a) * c.scale, B: median(b) * c.scale, N: min(len(a), len(b)), Floor: r.floor(c.step)}
		if x.A > 0 {
			x.Ratio = x.B / x.A
		}
		if c.goal > 0 {
			x.Goal = c.goal
			x.Met = ptr(x.Ratio > 0 && x.Ratio <= c.goal)
		}
		if c.goalDelta > 0 {
			x.GoalDelta = c.goalDelta
			x.Met = ptr(x.B-x.A <= c.goalDelta)
		}
		r.Summary = append(r.Summary, x)
	}
	if cold, warm := r.medianB(func(s sample) float64 { return s.InlineFirstMS }), r.medianB(func(s sample) float64 { return s.InlineWarmMS }); cold > 0 {
		ratio := warm / cold
		r.Summary = append(r.Summary, row{Metric: "inline first run: new page (warm) ÷ cold, ours", Unit: "×", B: ratio, N: len(r.Samples["B"]),
			Goal: inlineWarmGoal, Met: ptr(ratio <= inlineWarmGoal)})
	}
	for _, g := range overheadGoals {
		if floor := r.floor(g.step); floor > 0 {
			over := r.medianB(g.values) - floor
			r.Summary = append(r.Summary, row{Metric: g.name, Unit: "ms", B: over, N: len(r.Samples["B"]), Goal: g.goalMS, Met: ptr(over <= g.goalMS)})
		}
	}
	var boots []float64
	for _, s := range r.Samples["B"] {
		if s.GoBootMS != nil {
			boots = append(boots, *s.GoBootMS)
		}
	}
	if len(boots) > 0 {
		b := median(boots)
		r.Summary = append(r.Summary, row{Metric: "Go runtime boot (first render → loader ready)", Unit: "ms", B: b, N: len(boots),
			Goal: goBootGoalMS, Met: ptr(b <= goBootGoalMS)})
	}
	var hello, loader []float64
	for _, f := range r.Floor {
		hello, loader = append(hello, f.HelloWorldMS), append(loader, f.LoaderMS)
	}
	if len(hello) > 0 {
		r.Summary = append(r.Summary,
			row{Metric: "Go boot alone: hello world (the floor)", Unit: "ms", B: median(hello), N: len(hello)},
			row{Metric: "Go boot alone: the loader", Unit: "ms", B: median(loader), N: len(loader)})
	}
	kb := float64(r.Loader.Brotli) / 1000
	br := row{Metric: fmt.Sprintf("loader Wasm, brotli q%d", r.Loader.Quality), Unit: "KB", B: kb, N: 1}
	if r.Loader.Quality == 11 {
		// The goal is for what ships.
		br.Goal, br.Met = loaderBrotliGoalKB, ptr(kb <= loaderBrotliGoalKB)
	}
	r.Summary = append(r.Summary, row{Metric: "loader Wasm, raw", Unit: "KB", B: float64(r.Loader.Raw) / 1000, N: 1}, br)
}

func ptr[T any](v T) *T { return &v }

// floor is the median of B's floors in step, 0 when there are none.
func (r *report) floor(step string) float64 {
	var v []float64
	for _, s := range r.Samples["B"] {
		if f, ok := s.Floors[step]; ok {
			v = append(v, f)
		}
	}
	return median(v)
}

// medianB is the median of a metric of B's samples.
func (r *report) medianB(f func(sample) float64) float64 {
	var v []float64
	for _, s := range r.Samples["B"] {
		v = append(v, f(s))
	}
	return median(v)
}

// median returns the middle value (the mean of the two middle ones for an
// even count).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## widget.js: upstream (A) vs ours (B)\n\n")
	fmt.Fprintf(&b, "%s, Viewer %s, %s, %d CPUs, %s. %d samples of each, A and B alternating; medians "+
		"(inline re-runs: %d per sample, pooled).\n\n",
		r.Environment.Browser, r.Environment.Viewer, r.Environment.Go, r.Environment.CPUs, r.Environment.When,
		len(r.Samples["B"]), r.Settings.Reruns)
	for _, v := range r.Variants {
		fmt.Fprintf(&b, "- %s = %s\n", v.Name, v.Label)
	}
	b.WriteString("The floor is the Viewer's own instantiate + start in that step (measured in B's runs; the same Viewer for A); " +
		"A − floor and B − floor are each loader's overhead above it.\n")
	b.WriteString("\n| metric | A | B | B/A | goal | met | floor | A − floor | B − floor |\n|---|---:|---:|---:|---:|:-:|---:|---:|---:|\n")
	for _, x := range r.Summary {
		a, ratio, goal, met := "–", "", "", ""
		if x.A > 0 {
			a = number(x.A, x.Unit)
		}
		if x.Ratio > 0 {
			ratio = fmt.Sprintf("%.2f", x.Ratio)
		}
		if x.Goal > 0 {
			if x.A > 0 {
				goal = fmt.Sprintf("≤ %.2g", x.Goal)
			} else {
				goal = "≤ " + number(x.Goal, x.Unit)
			}
		}
		if x.GoalDelta > 0 {
			goal = "≤ A + " + number(x.GoalDelta, x.Unit)
		}
		if x.Met != nil {
			met = map[bool]string{true: "yes", false: "**no**"}[*x.Met]
		}
		floor, overA, overB := "", "", ""
		if x.Floor > 0 {
			floor, overB = number(x.Floor, x.Unit), number(x.B-x.Floor, x.Unit)
			if x.A > 0 {
				overA = number(x.A-x.Floor, x.Unit)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", x.Metric, a, number(x.B, x.Unit), ratio, goal, met, floor, overA, overB)
	}
	return b.String()
}

func number(v float64, unit string) string {
	switch unit {
	case "ms", "KB":
		return fmt.Sprintf("%.0f %s", v, unit)
	case "×":
		return fmt.Sprintf("%.2f×", v)
	default:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
}

// write writes bench.md, bench.json and bench.png (drawn by the browser)
// into dir.
func (r *report) write(b *headless.Browser, dir string) error {
	r.summarize()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bench.md"), []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "bench.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	png, err := r.chart(b)
	if err != nil {
		return fmt.Errorf("draw the chart: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "bench.png"), png, 0o644)
}

// chart draws the comparisons as pairs of bars, each pair on its own
// scale, with the values written out, and has the browser render it.
func (r *report) chart(b *headless.Browser) ([]byte, error) {
	const (
		width, labelW, barH, gap, top = 900, 300, 16, 18, 50
		barW                          = width - labelW - 120
	)
	var rows []row
	for _, x := range r.Summary {
		if x.A > 0 {
			rows = append(rows, x)
		}
	}
	height := top + len(rows)*(2*barH+gap) + 20
	var svg strings.Builder
	fmt.Fprintf(&svg, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="13">`, width, height)
	fmt.Fprintf(&svg, `<rect width="100%%" height="100%%" fill="white"/><text x="10" y="22" font-size="16" font-weight="bold">widget.js: A upstream (grey) vs B ours (blue); medians of %d samples, Viewer %s</text>`,
		len(r.Samples["B"]), html.EscapeString(r.Environment.Viewer))
	fmt.Fprintf(&svg, `<text x="10" y="40" fill="#555">%s</text>`, html.EscapeString(r.Environment.Browser))
	for i, x := range rows {
		y := top + i*(2*barH+gap)
		fmt.Fprintf(&svg, `<text x="10" y="%d">%s</text>`, y+barH+4, html.EscapeString(x.Metric))
		fmt.Fprintf(&svg, `<text x="10" y="%d" fill="#555" font-size="11">B/A %.2f</text>`, y+2*barH+2, x.Ratio)
		peak := max(x.A, x.B)
		for j, v := range []float64{x.A, x.B} {
			w := int(float64(barW) * v / peak)
			color := []string{"#9e9e9e", "#1f77b4"}[j]
			by := y + j*barH
			fmt.Fprintf(&svg, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, labelW, by, max(w, 1), barH-2, color)
			fmt.Fprintf(&svg, `<text x="%d" y="%d" font-size="11">%s</text>`, labelW+w+6, by+barH-5, number(v, x.Unit))
		}
	}
	svg.WriteString(`</svg>`)
	page := `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">` + svg.String() + `</body></html>`

	tab, err := b.NewTab()
	if err != nil {
		return nil, err
	}
	defer tab.Close()
	if err := tab.Navigate("data:text/html;base64," + base64.StdEncoding.EncodeToString([]byte(page))); err != nil {
		return nil, err
	}
	return tab.ScreenshotOf("svg")
}
