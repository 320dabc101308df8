package wasmjs

// As is errors.As for one error type, found by walking the Unwrap chain
// and trees. The errors package's own As links a reflection package into
// the Wasm (62 KB of the loader's, measured).
func As[T error](err error) (T, bool) {
	switch e := err.(type) {
	case nil:
	case T:
		return e, true
	case interface{ Unwrap() error }:
		return As[T](e.Unwrap())
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			if t, ok := As[T](inner); ok {
				return t, true
			}
		}
	}
	var zero T
	return zero, false
}
