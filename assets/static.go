package assets

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

// The files `loader build` writes so the output folder works as static
// files elsewhere: an nginx snippet and a headers file for CDNs that read
// one (Netlify, Cloudflare Pages). Both carry this build's sizes, which is
// why they are generated rather than shipped once.
const (
	NginxFile   = "nginx.conf"
	HeadersFile = "_headers"
)

// staticFile is what both formats need to know about one served file.
type staticFile struct {
	Name        string
	ContentType string
	FinalLength int64
}

type staticData struct {
	Root     string
	Versions string // regexp alternation of the version path segments
	Files    []staticFile
	Exposed  string
}

func newStaticData(dir string, m *Manifest) (staticData, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return staticData{}, err
	}
	var versions []string
	for _, v := range []string{m.BuildID, m.ViewerVersion, PEP440(m.ViewerVersion)} {
		q := regexp.QuoteMeta(v)
		if v != "" && !strings.Contains(strings.Join(versions, "|"), q) {
			versions = append(versions, q)
		}
	}
	var files []staticFile
	for _, f := range Files {
		files = append(files, staticFile{f.Name, f.ContentType, m.Files[f.Name].Size})
	}
	return staticData{
		Root:     root,
		Versions: strings.Join(versions, "|"),
		Files:    files,
		Exposed:  ExposedHeaders,
	}, nil
}

// ExposedHeaders are the response headers cross-origin scripts may read:
// the progress bars need the true total and whether it was compressed.
const ExposedHeaders = "rerun-final-length, Content-Encoding, Content-Length, ETag"

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

var nginxTemplate = template.Must(template.New(NginxFile).Funcs(template.FuncMap{"quoteRegexp": regexp.QuoteMeta}).Parse(`# nginx configuration for this Rerun notebook bundle, written by loader build.
# Include it inside a server { } block:   include {{.Root}}/nginx.conf;
# It needs the brotli_static module (Debian: libnginx-mod-http-brotli-static)
# and gzip_static (built into Debian's nginx). It serves the files with the
# headers the notebook widget relies on: the right Content-Type, CORS open to
# every origin, the uncompressed size in rerun-final-length (exposed to
# cross-origin scripts), revalidation on plain paths and a year of caching on
# /version/<build id or Viewer version>/ paths.
{{range .Files}}
location ~ ^/(?<rerun_version>version/(?:{{$.Versions}})/)?{{.Name | quoteRegexp}}$ {
    alias {{$.Root}}/{{.Name}};
    brotli_static on;
    gzip_static on;
    gzip_vary on;
    types { }
    default_type "{{.ContentType}}";
    etag on;
    if ($request_method = OPTIONS) {
        add_header Access-Control-Allow-Origin "*";
        add_header Access-Control-Allow-Methods "GET, HEAD, OPTIONS";
        add_header Access-Control-Allow-Headers $http_access_control_request_headers;
        add_header Access-Control-Max-Age 86400;
        return 204;
    }
    add_header Access-Control-Allow-Origin "*" always;
    add_header Access-Control-Expose-Headers "{{$.Exposed}}" always;
    add_header rerun-final-length {{.FinalLength}} always;
    add_header X-Content-Type-Options nosniff always;
    add_header Cross-Origin-Resource-Policy cross-origin always;
    set $rerun_cache "no-cache";
    if ($rerun_version) {
        set $rerun_cache "public, max-age=31536000, immutable";
    }
    add_header Cache-Control $rerun_cache always;
}
{{end}}`))

var headersTemplate = template.Must(template.New(HeadersFile).Parse(`# Response headers for static hosts that read a _headers file (Netlify,
# Cloudflare Pages), written by loader build for this bundle. Serve the
# folder's .br/.gz variants with Content-Encoding where the host supports it.
{{- define "common"}}
  Content-Type: {{.ContentType}}
  Access-Control-Allow-Origin: *
  Access-Control-Expose-Headers: ` + ExposedHeaders + `
  rerun-final-length: {{.FinalLength}}
  X-Content-Type-Options: nosniff
  Cross-Origin-Resource-Policy: cross-origin
{{- end}}
{{range .Files}}
/{{.Name}}{{template "common" .}}
  Cache-Control: no-cache

/version/*/{{.Name}}{{template "common" .}}
  Cache-Control: public, max-age=31536000, immutable
{{end}}`))

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
