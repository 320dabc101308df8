//go:build !loaderwasm

package assets

// embeddedLoader is nil: a binary built without the loaderwasm tag
// compiles the loader Wasm from its source tree.
var embeddedLoader *loaderBuild
