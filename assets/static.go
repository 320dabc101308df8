package assets

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/gorerun/loader/names"
)

// The files `loader build` writes so the output folder works as static
// files elsewhere: an nginx snippet and a headers file for CDNs that read
// one (Netlify, Cloudflare Pages). Both carry this build's sizes, which is
// why they are generated rather than shipped once.
const (
	NginxFile   = "nginx.conf"
	HeadersFile = "_headers"
)

// Header is one response header.
type Header struct{ Name, Value string }

// A Route is one request path of a bundle: the file it serves and the
// headers sent with it whatever the encoding. CORS is separate: the server
// checks an allow-list, the static files allow every origin.
type Route struct {
	Path    string
	File    string
	Headers []Header
}

// Routes are every path a server of the bundle m answers: the one table
// that `loader serve`, the generated nginx.conf and _headers follow. Each
// file is at /NAME and at /version/<Viewer version>/NAME (in semver and in
// PEP 440 spelling), revalidated, since one Viewer version is served by
// every build of the loader; and at /version/<build id>/NAME, cached for a
// year, since the id names every byte served.
func Routes(m *Manifest) []Route {
	aliases := []string{m.ViewerVersion}
	if p := PEP440(m.ViewerVersion); p != m.ViewerVersion {
		aliases = append(aliases, p)
	}
	var routes []Route
	for _, f := range Files {
		headers := func(cache string) []Header {
			return []Header{
				{"Content-Type", f.ContentType},
				{"Cache-Control", cache},
				{names.FinalLengthHeader, strconv.FormatInt(m.Files[f.Name].Size, 10)},
				{"X-Content-Type-Options", "nosniff"},
				{"Cross-Origin-Resource-Policy", "cross-origin"},
			}
		}
		revalidated := headers("no-cache")
		routes = append(routes, Route{"/" + f.Name, f.Name, revalidated})
		for _, v := range aliases {
			routes = append(routes, Route{"/version/" + v + "/" + f.Name, f.Name, revalidated})
		}
		routes = append(routes, Route{"/version/" + m.BuildID + "/" + f.Name, f.Name, headers("public, max-age=31536000, immutable")})
	}
	return routes
}

// OpenCORSHeaders are the CORS headers of a bundle served to every origin.
var OpenCORSHeaders = []Header{
	{"Access-Control-Allow-Origin", "*"},
	{"Access-Control-Expose-Headers", ExposedHeaders},
}

func headerValue(hs []Header, name string) string {
	for _, h := range hs {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// staticLocation is one set of paths of a file and the headers sent there.
type staticLocation struct {
	Name    string   // the file in the folder
	Paths   []string // request paths
	Headers []Header
}

type staticData struct {
	Root      string
	Locations []staticLocation
	CORS      []Header
}

// newStaticData groups the routes of m by file and headers, as static
// server configurations write them.
func newStaticData(dir string, m *Manifest) (staticData, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return staticData{}, err
	}
	data := staticData{Root: root, CORS: OpenCORSHeaders}
	for _, r := range Routes(m) {
		headers := append(slices.Clone(r.Headers), OpenCORSHeaders...)
		if n := len(data.Locations); n > 0 && data.Locations[n-1].Name == r.File && slices.Equal(data.Locations[n-1].Headers, headers) {
			data.Locations[n-1].Paths = append(data.Locations[n-1].Paths, r.Path)
			continue
		}
		data.Locations = append(data.Locations, staticLocation{r.File, []string{r.Path}, headers})
	}
	return data, nil
}

// ExposedHeaders are the response headers cross-origin scripts may read:
// the progress bars need the true total, whether it was compressed and
// whether the link is worth showing progress for.
const ExposedHeaders = names.FinalLengthHeader + ", Content-Encoding, Content-Length, ETag, " + names.LinkHeader

// PEP440 spells a semver pre-release the way Python packages do:
// 0.24.0-alpha.9 → 0.24.0a9, 0.24.0-rc.1 → 0.24.0rc1. rerun-notebook's
// version (PEP 440) names the same Viewer as its npm version (semver).
func PEP440(v string) string {
	base, pre, ok := strings.Cut(v, "-")
	if !ok {
		return v
	}
	kind, n, _ := strings.Cut(pre, ".")
	switch kind {
	case "alpha":
		return base + "a" + n
	case "beta":
		return base + "b" + n
	case "rc":
		return base + "rc" + n
	}
	return v
}

// pep440Pre is a PEP 440 pre-release that PEP440 writes.
var pep440Pre = regexp.MustCompile(`^(\d+\.\d+\.\d+)(a|b|rc)(\d+)$`)

// NpmVersion is PEP440 undone: the npm version of the Viewer that a
// rerun-notebook version names.
func NpmVersion(v string) string {
	m := pep440Pre.FindStringSubmatch(v)
	if m == nil {
		return v
	}
	kind := map[string]string{"a": "alpha", "b": "beta", "rc": "rc"}[m[2]]
	return m[1] + "-" + kind + "." + m[3]
}

var nginxTemplate = template.Must(template.New(NginxFile).Funcs(template.FuncMap{"quoteRegexp": regexp.QuoteMeta, "header": headerValue}).Parse(`# nginx configuration for this Rerun notebook bundle, written by loader build.
# Include it inside a server { } block:   include {{.Root}}/nginx.conf;
# It needs the brotli_static module (Debian: libnginx-mod-http-brotli-static)
# and gzip_static (built into Debian's nginx). It sends the headers
# loader serve sends: the right Content-Type, CORS open to every origin, the
# uncompressed size in rerun-final-length (exposed to cross-origin scripts),
# revalidation on plain and Viewer-version paths and a year of caching on
# /version/<build id>/ paths.
{{range .Locations}}
location ~ ^(?:{{range $i, $p := .Paths}}{{if $i}}|{{end}}{{$p | quoteRegexp}}{{end}})$ {
    alias {{$.Root}}/{{.Name}};
    brotli_static on;
    gzip_static on;
    gzip_vary on;
    types { }
    default_type "{{header .Headers "Content-Type"}}";
    etag on;
    if ($request_method = OPTIONS) {
        add_header Access-Control-Allow-Origin "*";
        add_header Access-Control-Allow-Methods "GET, HEAD, OPTIONS";
        add_header Access-Control-Allow-Headers $http_access_control_request_headers;
        add_header Access-Control-Max-Age 86400;
        return 204;
    }
{{- range .Headers}}{{if ne .Name "Content-Type"}}
    add_header {{.Name}} "{{.Value}}" always;{{end}}{{end}}
}
{{end}}`))

var headersTemplate = template.Must(template.New(HeadersFile).Parse(`# Response headers for static hosts that read a _headers file (Netlify,
# Cloudflare Pages), written by loader build for this bundle: the headers
# loader serve sends. Serve the folder's .br/.gz variants with
# Content-Encoding where the host supports it.
{{range .Locations}}{{$h := .Headers}}{{range .Paths}}
{{.}}{{range $h}}
  {{.Name}}: {{.Value}}{{end}}
{{end}}{{end}}`))

// writeStaticConfigs writes nginx.conf and _headers into dir for the
// bundle served from the folder servedFrom.
func writeStaticConfigs(dir, servedFrom string, m *Manifest) error {
	data, err := newStaticData(servedFrom, m)
	if err != nil {
		return err
	}
	for _, t := range []*template.Template{nginxTemplate, headersTemplate} {
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return fmt.Errorf("write %s: %w", t.Name(), err)
		}
		if err := writeFileAtomic(filepath.Join(dir, t.Name()), &b); err != nil {
			return err
		}
	}
	return nil
}
