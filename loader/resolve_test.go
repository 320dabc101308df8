package loader

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/gorerun/loader/names"
)

func TestViewerURL(t *testing.T) {
	tests := []struct {
		module string
		want   string
		err    error // nil: success; errNoAdjacentURL: checked with errors.Is
		bad    bool  // any other error
	}{
		{module: "http://localhost:8080/widget.js", want: "http://localhost:8080/re_viewer_bg.wasm"},
		{module: "https://app.rerun.io/version/0.33.0/notebook/widget.js", want: "https://app.rerun.io/version/0.33.0/notebook/re_viewer_bg.wasm"},
		{module: "https://cdn.example/a/widget.js?token=abc&x=1", want: "https://cdn.example/a/re_viewer_bg.wasm?token=abc&x=1"},
		{module: "https://cdn.example/a/widget.js?sig=a%2Fb#frag", want: "https://cdn.example/a/re_viewer_bg.wasm?sig=a%2Fb"},
		{module: "https://cdn.example/a/widget.js#x?not-a-query", want: "https://cdn.example/a/re_viewer_bg.wasm"},
		{module: "https://cdn.example/dir/?q=/x/y", want: "https://cdn.example/dir/re_viewer_bg.wasm?q=/x/y"},
		{module: "https://cdn.example", want: "https://cdn.example/re_viewer_bg.wasm"},
		{module: "https://cdn.example?q", want: "https://cdn.example/re_viewer_bg.wasm?q"},
		{module: "http://[::1]:9000/user/proxy/9000/widget.js", want: "http://[::1]:9000/user/proxy/9000/re_viewer_bg.wasm"},
		{module: "HTTP://Host/w.js", want: "HTTP://Host/re_viewer_bg.wasm"},
		{module: "file:///home/me/widget.js", want: "file:///home/me/re_viewer_bg.wasm"},
		{module: "blob:http://localhost:8888/6e0c8f7e-1d4b-4b8e-9f5e-2b1c2c0f3a11", err: errNoAdjacentURL},
		{module: "BLOB:null/abc", err: errNoAdjacentURL},
		{module: "data:text/javascript;base64,ZXhwb3J0IGRlZmF1bHQge30=", err: errNoAdjacentURL},
		{module: "mailto:someone@example.com", bad: true},
		{module: "/widget.js", bad: true},
		{module: "widget.js", bad: true},
		{module: "", bad: true},
		{module: "1http://x/widget.js", bad: true},
	}
	for _, tt := range tests {
		got, err := viewerURL(tt.module)
		switch {
		case tt.err != nil:
			if !errors.Is(err, tt.err) {
				t.Errorf("ViewerURL(%q) error = %v, want %v", tt.module, err, tt.err)
			}
		case tt.bad:
			if err == nil || errors.Is(err, errNoAdjacentURL) && !strings.Contains(err.Error(), "has no host") {
				t.Errorf("ViewerURL(%q) = %q, %v; want an error", tt.module, got, err)
			}
		default:
			if err != nil || got != tt.want {
				t.Errorf("ViewerURL(%q) = %q, %v; want %q", tt.module, got, err, tt.want)
			}
		}
	}
}

// FuzzViewerURL checks ViewerURL against net/url: for every absolute
// hierarchical URL, the result is the module URL resolved against
// "re_viewer_bg.wasm" with the query kept and the fragment dropped.
func FuzzViewerURL(f *testing.F) {
	for _, s := range []string{
		"http://localhost:8080/widget.js",
		"https://h/a/b/widget.js?token=x#f",
		"https://h",
		"https://h?q#f",
		"blob:https://h/uuid",
		"data:,x",
		"http://[::1]:1/p/q/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, module string) {
		got, err := viewerURL(module)
		if err != nil {
			return
		}
		if strings.Contains(got, "#") {
			t.Fatalf("ViewerURL(%q) = %q keeps a fragment", module, got)
		}
		u, perr := url.Parse(module)
		if perr != nil || u.Opaque != "" || u.Host == "" || !browserNormalized(module) {
			// Browsers hand import.meta.url over normalized: printable ASCII,
			// percent-encoded. Compare only where net/url agrees on the
			// input.
			return
		}
		// The authority as written; net/url would re-escape user info.
		rest := module[len(u.Scheme)+3:]
		authority := rest[:strings.IndexAny(rest+"/", "/?#")]
		dir := u.EscapedPath()
		dir = dir[:max(strings.LastIndexByte(dir, '/'), 0)]
		want := u.Scheme + "://" + authority + dir + "/" + names.ViewerFile
		beforeFragment, _, _ := strings.Cut(module, "#")
		if _, query, ok := strings.Cut(beforeFragment, "?"); ok {
			want += "?" + query
		}
		if !strings.EqualFold(got, want) {
			t.Fatalf("ViewerURL(%q) = %q, net/url says %q", module, got, want)
		}
	})
}

func browserNormalized(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`\\%"<>'{}|^[]`+"`", c) >= 0 && !isIPv6Bracket(s, i) {
			return false
		}
	}
	return true
}

// isIPv6Bracket reports whether s[i] is a bracket of an IPv6 host literal,
// the one place browsers leave brackets unescaped.
func isIPv6Bracket(s string, i int) bool {
	if s[i] != '[' && s[i] != ']' {
		return false
	}
	rest := s[strings.Index(s, "://")+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	start := len(s) - len(rest)
	return i >= start && i < start+end
}

func TestAdjacentViewerURL(t *testing.T) {
	tests := []struct {
		name, module, resolved, want string
	}{
		{"unbundled", "https://cdn.example/a/widget.js", "https://cdn.example/a/re_viewer_bg.wasm", "https://cdn.example/a/re_viewer_bg.wasm"},
		{"query kept", "https://cdn.example/a/widget.js?token=1#f", "https://cdn.example/a/re_viewer_bg.wasm", "https://cdn.example/a/re_viewer_bg.wasm?token=1"},
		{"bundler renamed", "https://app.example/assets/index-B2x.js", "https://app.example/assets/re_viewer_bg-Cq9.wasm", "https://app.example/assets/re_viewer_bg-Cq9.wasm"},
		{"bundler query wins", "https://app.example/a.js?v=1", "https://app.example/x.wasm?v=2", "https://app.example/x.wasm?v=2"},
		{"not resolved: module rule", "https://cdn.example/a/widget.js?t=1", "", "https://cdn.example/a/re_viewer_bg.wasm?t=1"},
		{"file: module rule", "file:///home/me/widget.js", "file:///home/me/re_viewer_bg.wasm", "file:///home/me/re_viewer_bg.wasm"},
	}
	for _, tt := range tests {
		got, err := adjacentViewerURL(tt.module, tt.resolved)
		if err != nil || got != tt.want {
			t.Errorf("%s: adjacentViewerURL(%q, %q) = %q, %v; want %q", tt.name, tt.module, tt.resolved, got, err, tt.want)
		}
	}
	if _, err := adjacentViewerURL("blob:http://x/1", ""); !errors.Is(err, errNoAdjacentURL) {
		t.Errorf("blob: module with nothing resolved: err = %v, want errNoAdjacentURL", err)
	}
}
