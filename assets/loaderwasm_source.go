//go:build !loaderwasm

package assets

import "io/fs"

// embeddedLoader is nil: a binary built without the loaderwasm tag
// compiles the loader Wasm from its source tree.
var embeddedLoader *loaderBuild

// embeddedViewers is nil: such a binary carries no Viewer glue, and
// builds from the npm package in the cache.
var embeddedViewers fs.FS
