package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gorerun/loader/assets"
	"github.com/gorerun/loader/internal/headless"
	"github.com/gorerun/loader/names"
)

// TestBakedViewerURLServesABlobModule imports widget.js from a blob: URL,
// where nothing is "next to the module" (marimo's virtual files, data:
// URLs): a build with --viewer-url fetches the Viewer from there.
func TestBakedViewerURLServesABlobModule(t *testing.T) {
	t.Parallel()
	viewer := must(t, serveFake) + "/" + names.ViewerFile + "?baked"
	out := t.TempDir()
	if _, err := assets.Build(context.Background(), assets.Options{ViewerDir: fakePackage(t), OutDir: out, ViewerURL: viewer}); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(out, names.WidgetFile))
	if err != nil {
		t.Fatal(err)
	}
	tab := openTab(t)
	view, err := headless.Eval[int](tab, fmt.Sprintf(`(async () => {
		const w = await host.load({ source: %s });
		return (await host.addView(w, %s)).index;
	})()`, headless.JS(string(src)), headless.JS(defaultTraits())))
	if err != nil {
		t.Fatal(err)
	}
	waitReady(t, tab, view)
	if got := pageRequests(t, tab, names.ViewerFile); len(got) != 1 || got[0] != viewer {
		t.Errorf("Viewer requests %v, want one of %s", got, viewer)
	}
}
