package esm

import (
	"strings"
	"testing"
)

func TestWidgetJoinsTheModules(t *testing.T) {
	src, err := Widget()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export { WebViewer, mount, setMaxRunningViewers };", "export default { initialize, render };",
		"\nfunction viewerURL(", "\nclass WebViewer {", "\nasync function mount("} {
		if !strings.Contains(src, want) {
			t.Errorf("widget.js's code lacks %q", want)
		}
	}
	for _, gone := range []string{"\nimport ", "\nexport function", "\nexport class", "\nexport const", "\nexport async"} {
		if strings.Contains(src, gone) {
			t.Errorf("widget.js's code still has %q", strings.TrimSpace(gone))
		}
	}
}

func TestJoinRefusesWhatItCannotFollow(t *testing.T) {
	exported := map[string][]string{"a.js": {"one", "two"}}
	for _, tt := range []struct {
		src, want string
	}{
		{`import { one, three } from "./a.js";`, "imports three from a.js, which does not export it"},
		{`import { one } from "./b.js";`, "b.js, which is not one of widget.js's modules"},
		{`import { one } from "./a.js";`, ""},
	} {
		err := checkImports("x.js", tt.src, exported)
		if (tt.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("checkImports(%q) = %v, want %q", tt.src, err, tt.want)
		}
	}
	for _, tt := range []struct {
		src, want string
	}{
		{"import * as a from \"./a.js\";", "an import the joiner cannot follow"},
		{"export { one };", "an export the joiner cannot follow"},
	} {
		if _, _, err := joinPart("x.js", tt.src); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("joinPart(%q) = %v, want %q", tt.src, err, tt.want)
		}
	}
	out, names, err := joinPart("x.js", "import { one } from \"./a.js\";\nexport async function go() {}\nexport const k = 1;")
	if err != nil || out != "async function go() {}\nconst k = 1;" || strings.Join(names, ",") != "go,k" {
		t.Errorf("joinPart = %q, %q, %v", out, names, err)
	}
}
