//go:build loaderwasm

package assets

import _ "embed"

// The directory is EmbedDir, which WriteLoaderWasm fills.
var (
	//go:embed loaderwasm/loader.wasm
	embeddedWasm []byte
	//go:embed loaderwasm/wasm_exec.js
	embeddedWasmExec string
)

var embeddedLoader = &loaderBuild{wasm: embeddedWasm, wasmExec: embeddedWasmExec}
