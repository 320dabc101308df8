//go:build loaderwasm

package assets

import (
	"embed"
	"io/fs"
)

// The directory is EmbedDir, which WriteLoaderWasm and WriteViewerGlue
// fill.
var (
	//go:embed loaderwasm/loader.wasm
	embeddedWasm []byte
	//go:embed loaderwasm/wasm_exec.js
	embeddedWasmExec string
	//go:embed loaderwasm/viewers
	embeddedGlue embed.FS
)

var embeddedLoader = &loaderBuild{wasm: embeddedWasm, wasmExec: embeddedWasmExec}

var embeddedViewers = mustSub(embeddedGlue, EmbedDir+"/"+viewerGlueDir)

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a constant that go:embed has checked
	}
	return sub
}
