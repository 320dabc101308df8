//go:build !js

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gorerun/loader/check"
	"github.com/gorerun/loader/install"
)

// A command is one of loader's commands: the one place its flags, its
// synopsis and its description are written. `loader -h` and
// `loader COMMAND -h` are made from it, and a test holds the README's
// command block to the synopses.
type command struct {
	name string
	// args names the positional arguments ("" for none).
	args string
	// required are the flags the command cannot do without.
	required []string
	about    string
	// define adds the command's flags to fs and returns what runs the
	// command once they are parsed, with the positional arguments.
	define func(fs *flag.FlagSet, stdout, stderr io.Writer) func(context.Context, []string) error
}

var commands = []command{
	{
		name: "build", required: []string{"viewer", "out"}, define: defineBuild,
		about: `Write OUT/widget.js (the notebook widget, WebViewer and mount()), the
Go loader it fetches from next to itself (OUT/rerun-loader.wasm),
OUT/rerun-viewer.js (the <rerun-viewer> element) and OUT/re_viewer_bg.wasm
for the unpacked @rerun-io/web-viewer package in DIR; OUT/widget.standalone.js,
widget.js with the loader inside, for where one file travels alone (loader
install puts it into rerun_notebook; blob: imports); their .br, .zst and .gz
siblings, manifest.json, and package.json with types (npm install OUT).
Compression is cached by content hash ($LOADER_CACHE).`,
	},
	{
		name: "serve", define: defineServe,
		about: `Serve a bundle to notebooks. Without --dir, serve the pinned Viewer,
building it first when needed: on a first run a quick build at once, then
the quality-11 one. --public-url is the address users reach (behind a
proxy); --link says where browsers are: local ones get zstd (fastest to
decode), remote ones brotli (fewest bytes); auto decides per request.
--recording adds demo pages showing FILE at / (<rerun-viewer>),
/mount.html and /notebook.html.`,
	},
	{
		name: "viewer", define: defineViewer,
		about: `Fetch, verify and unpack a pinned @rerun-io/web-viewer into the cache
($LOADER_CACHE) and print its directory.`,
	},
	{
		name: "install", define: defineInstall,
		about: fmt.Sprintf(`Put the Go loader's widget.js into an installed rerun_notebook package,
so that RERUN_NOTEBOOK_ASSET=inline (Colab, VS Code Remote), =serve-local
and python -m rerun_notebook serve run it with no other change. Finds the
package through --python without importing it, or takes --into DIR;
builds for the package's own Viewer version (a pinned one) unless
--viewer says otherwise. What it replaces (static/widget.js, and
static/re_viewer_bg.wasm when ours differs) is kept with its SHA-256 in
static/%s/. Running it again is a no-op.`, install.BackupDir),
	},
	{
		name: "uninstall", define: defineUninstall,
		about: `Put upstream's files back into the rerun_notebook package byte for byte.
Refuses, changing nothing, when something else (pip install -U
rerun-notebook) replaced them since the install.`,
	},
	{
		name: "status", define: defineStatus,
		about: `Say whose widget.js a rerun_notebook package holds: upstream's or the Go
loader's (its build, Viewer and when it was installed).`,
	},
	{
		name: "version", define: defineVersion,
		about: `Print the loader's version and the commit it was built from, the Go
toolchain that built it, and the Viewer versions it is pinned to (the
default first).`,
	},
	{
		name: "check", args: "RECORDING... | merge OUT DIR... | approve OUT [NAME...]", define: defineCheck,
		about: fmt.Sprintf(`Regression-test a Rerun Viewer build in headless Chromium. For each
RECORDING (an .rrd file or an http(s) URL of one), and each entry of
--scenarios FILE, the Viewer must get ready, open the recording
(recording_open), not panic and log no console error; then at each moment
(the end of the timeline unless a scenario says "at") the timeline is
paused and, once two frames in a row are identical, the screenshot is
compared with the golden one (--golden) and with the baseline build's
(--baseline), perceptually (pixelmatch, threshold %v). The timeline then
plays for 2 s: the frame intervals are reported.

Writes OUT/index.html (open it), OUT/junit.xml (for CI), OUT/report.json
and the screenshots. Exit status: 0 every check passed (flaky ones too,
unless --fail-on-flaky), 1 a check failed, 2 bad usage or a broken setup
(no such file, no Chromium).

  loader check merge OUT DIR...     combine the reports of --shard runs
  loader check approve OUT [NAME...]  copy candidate screenshots into the
                                    goldens (default: every failed one)

Examples:
  loader check --golden testdata/golden --update-golden my.rrd   # record goldens
  loader check --golden testdata/golden my.rrd                   # compare with them
  loader check --viewer ./rerun/web_viewer --baseline 0.33.0 *.rrd
  loader check --scenarios checks.json --shard 2/4 --retries 1 --out shard-2`, check.Threshold),
	},
}

// run parses args as c's flags and runs c.
func (c command) run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loader "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s\n\n%s\n\nFlags:\n", c.synopsis(), c.about)
		fs.PrintDefaults()
	}
	exec := c.define(fs, stdout, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.args == "" && fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	return exec(ctx, fs.Args())
}

// synopsis is c's one-line form: the required flags, the others in
// brackets with their defaults, then the arguments, wrapped at 100
// columns.
func (c command) synopsis() string {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.define(fs, io.Discard, io.Discard)
	words := []string{"loader", c.name}
	var optional []string
	fs.VisitAll(func(f *flag.Flag) {
		arg, _ := flag.UnquoteUsage(f)
		w := "--" + f.Name
		switch {
		case arg == "" && f.DefValue == "true": // a boolean on by default
			w += "=true"
		case arg == "":
		case f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s":
			w += " " + f.DefValue
		default:
			w += " " + arg
		}
		if slices.Contains(c.required, f.Name) {
			words = append(words, w)
		} else {
			optional = append(optional, "["+w+"]")
		}
	})
	words = append(words, optional...)
	if c.args != "" {
		words = append(words, c.args)
	}
	var lines []string
	line := words[0]
	for _, w := range words[1:] {
		if len(line)+1+len(w) > 100 {
			lines = append(lines, line)
			line = strings.Repeat(" ", len("loader "+c.name)) + " " + w
			continue
		}
		line += " " + w
	}
	return strings.Join(append(lines, line), "\n")
}

// usage is what `loader -h` prints.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: loader COMMAND [flags]   (loader COMMAND -h lists a command's flags)\n\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "%s\n", c.synopsis())
		paragraph, _, _ := strings.Cut(c.about, "\n\n")
		for _, l := range strings.Split(paragraph, "\n") {
			fmt.Fprintf(&b, "    %s\n", l)
		}
		b.WriteString("\n")
	}
	return b.String()
}
