package assets

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
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

// FileHeaders are the headers every server of a bundle sends with the file
// name, whatever the encoding: the one table that `loader serve`, the
// generated nginx.conf and _headers all follow. immutable is whether the
// path names the build (/version/<build id>/). CORS is separate: the
// server checks an allow-list, the static files allow every origin.
func FileHeaders(m *Manifest, name string, immutable bool) []Header {
	cache := "no-cache"
	if immutable {
		cache = "public, max-age=31536000, immutable"
	}
	var contentType string
	for _, f := range Files {
		if f.Name == name {
			contentType = f.ContentType
		}
	}
	return []Header{
		{"Content-Type", contentType},
		{"Cache-Control", cache},
		{names.FinalLengthHeader, strconv.FormatInt(m.Files[name].Size, 10)},
		{"X-Content-Type-Options", "nosniff"},
		{"Cross-Origin-Resource-Policy", "cross-origin"},
	}
}

// OpenCORSHeaders are the CORS headers of a bundle served to every origin.
var OpenCORSHeaders = []Header{
	{"Access-Control-Allow-Origin", "*"},
	{"Access-Control-Expose-Headers", ExposedHeaders},
}

// VersionAliases are the /version/<v>/ segments that name the Viewer of a
// build rather than the build: its version in semver and in PEP 440
// spelling. They are served like the plain paths (revalidated), since one
// Viewer version is served by every build of the loader.
func VersionAliases(m *Manifest) []string {
	vs := []string{m.ViewerVersion}
	if p := PEP440(m.ViewerVersion); p != m.ViewerVersion {
		vs = append(vs, p)
	}
	return vs
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

func newStaticData(dir string, m *Manifest) (staticData, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return staticData{}, err
	}
	data := staticData{Root: root, CORS: OpenCORSHeaders}
	for _, f := range Files {
		plain := []string{"/" + f.Name}
		for _, v := range VersionAliases(m) {
			plain = append(plain, "/version/"+v+"/"+f.Name)
		}
		data.Locations = append(data.Locations,
			staticLocation{f.Name, plain, append(FileHeaders(m, f.Name, false), OpenCORSHeaders...)},
			staticLocation{f.Name, []string{"/version/" + m.BuildID + "/" + f.Name}, append(FileHeaders(m, f.Name, true), OpenCORSHeaders...)})
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

// writeStaticConfigs writes nginx.conf and _headers for the bundle in dir.
func writeStaticConfigs(dir string, m *Manifest) error {
	data, err := newStaticData(dir, m)
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
