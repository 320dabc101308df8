package wasmjs

// As is errors.As for one error type, found by walking the Unwrap chain
// and trees. The errors package's own As and Is link a reflection package
// into the Wasm.
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

// Is is errors.Is for errors that compare with ==, found by walking the
// Unwrap chain and trees, without the reflection errors.Is links in.
func Is(err, target error) bool {
	for {
		if err == target {
			return true
		}
		switch e := err.(type) {
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if Is(inner, target) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
}
