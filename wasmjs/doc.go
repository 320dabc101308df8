// Package wasmjs is the one way Go code here touches JavaScript: small,
// panic-free helpers over syscall/js for programs compiled with GOOS=js
// GOARCH=wasm, in the manner of hack-pad/safejs.
//
// Value wraps a JavaScript value; every operation on it that can throw
// returns an error instead of panicking, a Go function handed to
// JavaScript (Func) never blocks the event loop and recovers its own
// panics, and every Func made here is released by its owner. The package
// knows JavaScript, not Rerun: values, errors, promises, funcs and byte
// views.
//
// Outside GOOS=js the package holds only what needs no JavaScript: the
// cancellation (Context, WithCancel, AfterFunc) and As.
package wasmjs
