package assets

import (
	"bytes"
	"compress/gzip"
	"context"
	"testing"

	"github.com/andybalholm/brotli"
)

// TestLoaderWasmSize reports what the Go loader costs on the wire: the
// Wasm as built, gzip-compressed as widget.js embeds it, and brotli at
// quality 11 as a production server would send it.
func TestLoaderWasmSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the loader Wasm and compresses it at brotli quality 11")
	}
	l, err := BuildLoaderWasm(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var gz, br bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(l.wasm)
	zw.Close()
	bw := brotli.NewWriterOptions(&br, brotli.WriterOptions{Quality: 11, LGWin: 24})
	bw.Write(l.wasm)
	bw.Close()
	t.Logf("loader Wasm: %d bytes raw, %d gzip -9, %d brotli q11", len(l.wasm), gz.Len(), br.Len())
	if br.Len() >= len(l.wasm) || gz.Len() >= len(l.wasm) {
		t.Errorf("compression did not shrink the loader: raw %d, gzip %d, brotli %d", len(l.wasm), gz.Len(), br.Len())
	}
}
