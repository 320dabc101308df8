package assets

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// ManifestFile is the bundle's manifest, next to widget.js.
const ManifestFile = "manifest.json"

// Manifest describes a built bundle: what a server or a CDN needs to serve
// it without reading the files (sizes, hashes, precompressed variants).
type Manifest struct {
	BuildID       string              `json:"build_id"`
	ViewerVersion string              `json:"viewer_version"`
	Files         map[string]FileInfo `json:"files"` // by name: widget.js, re_viewer_bg.wasm
}

// FileInfo describes one file of a bundle and its precompressed variants.
type FileInfo struct {
	Size      int64              `json:"size"`
	SHA256    string             `json:"sha256"`
	Integrity string             `json:"integrity"` // SRI, for <script integrity=…>
	Encodings map[string]Variant `json:"encodings,omitempty"`
}

// Variant is a precompressed sibling of a file ("br", "zstd", "gzip").
type Variant struct {
	File   string `json:"file"` // e.g. widget.js.br
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ReadManifest reads a bundle folder's manifest.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("read bundle manifest: %w (rebuild the bundle with `loader build`)", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read bundle manifest %s: %w", dir, err)
	}
	for _, f := range Files {
		if _, ok := m.Files[f.Name]; !ok {
			return nil, fmt.Errorf("bundle manifest %s lists no %s (rebuild the bundle with `loader build`)", dir, f.Name)
		}
	}
	return &m, nil
}
