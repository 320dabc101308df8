package assets

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gorerun/loader/names"
)

// ErrMismatchedBuild is a glue (re_viewer.js) and a Viewer Wasm that come
// from different builds: the Wasm imports functions the glue does not
// define, and a browser would stop with a bare LinkError.
var ErrMismatchedBuild = errors.New(names.MismatchedBuild)

// checkPair reports ErrMismatchedBuild, naming an import the glue lacks,
// when the Viewer Wasm at wasmPath needs a function glue does not define.
// wasm-bindgen names every import after its glue function with a hash of
// the build, so a pair from one build always passes and a pair from two
// builds fails on hundreds of names.
func checkPair(glue, wasmPath string) error {
	f, err := os.Open(wasmPath)
	if err != nil {
		return err
	}
	defer f.Close()
	imports, err := wasmImports(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("read %s: %w", wasmPath, err)
	}
	var missing []string
	for _, name := range imports {
		if !strings.Contains(glue, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s imports %d functions re_viewer.js does not define (%s first); take both files from one build",
			ErrMismatchedBuild, names.ViewerFile, len(missing), missing[0])
	}
	return nil
}

// wasmImports returns the field names of a WebAssembly module's imports.
// The import section comes before the code, so only the first kilobytes
// of a 47 MB Viewer are read.
func wasmImports(r *bufio.Reader) ([]string, error) {
	var header [8]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil, fmt.Errorf("not a WebAssembly module: %w", err)
	}
	if !bytes.Equal(header[:], []byte("\x00asm\x01\x00\x00\x00")) {
		return nil, errors.New("not a WebAssembly module (no \\0asm version 1 header)")
	}
	for {
		id, err := r.ReadByte()
		if err == io.EOF {
			return nil, nil // no imports at all
		}
		if err != nil {
			return nil, err
		}
		size, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
		const importSection = 2
		if id != importSection {
			if _, err := r.Discard(int(size)); err != nil {
				return nil, fmt.Errorf("section %d: %w", id, err)
			}
			continue
		}
		section := make([]byte, size)
		if _, err := io.ReadFull(r, section); err != nil {
			return nil, fmt.Errorf("import section: %w", err)
		}
		return parseImports(section)
	}
}

// parseImports decodes an import section: a count, then per import a
// module name, a field name and a description whose length depends on
// its kind.
func parseImports(b []byte) ([]string, error) {
	r := bytes.NewReader(b)
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	name := func() (string, error) {
		l, err := binary.ReadUvarint(r)
		if err != nil || l > uint64(r.Len()) {
			return "", errors.New("truncated import name")
		}
		s := make([]byte, l)
		r.Read(s)
		return string(s), nil
	}
	limits := func() error {
		flags, err := r.ReadByte()
		if err != nil {
			return err
		}
		if _, err := binary.ReadUvarint(r); err != nil {
			return err
		}
		if flags&1 != 0 {
			_, err = binary.ReadUvarint(r)
		}
		return err
	}
	var names []string
	for i := uint64(0); i < n; i++ {
		if _, err := name(); err != nil { // the module
			return nil, err
		}
		field, err := name()
		if err != nil {
			return nil, err
		}
		kind, err := r.ReadByte()
		if err != nil {
			return nil, errors.New("truncated import")
		}
		switch kind {
		case 0: // function: a type index
			_, err = binary.ReadUvarint(r)
		case 1: // table: an element type and limits
			if _, err = r.ReadByte(); err == nil {
				err = limits()
			}
		case 2: // memory: limits
			err = limits()
		case 3: // global: a value type and mutability
			_, err = r.Seek(2, io.SeekCurrent)
		case 4: // tag: an attribute and a type index
			if _, err = r.ReadByte(); err == nil {
				_, err = binary.ReadUvarint(r)
			}
		default:
			return nil, fmt.Errorf("import %q has unknown kind %d", field, kind)
		}
		if err != nil {
			return nil, fmt.Errorf("import %q: %w", field, err)
		}
		names = append(names, field)
	}
	return names, nil
}
