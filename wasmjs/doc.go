// Package wasmjs holds small, panic-free helpers over syscall/js for Go
// programs compiled with GOOS=js GOARCH=wasm.
//
// Every call into JavaScript that can throw returns an error instead of
// panicking, a Go function handed to JavaScript never blocks the event loop,
// and every js.Func made here is released by its owner. The package knows
// JavaScript, not Rerun: values, errors, promises, funcs and byte views.
//
// Outside GOOS=js the package is empty.
package wasmjs
