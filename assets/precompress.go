package assets

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// Compression says how to precompress a bundle.
type Compression struct {
	// Quality is the brotli quality, 0–11; 11 is smallest and slowest.
	Quality int
	// Cache is where compressed files are kept by content hash, so a
	// Viewer is compressed once per quality however often it is built.
	Cache string
	// Log receives a progress bar; nil discards it.
	Log io.Writer
	// CachedOnly takes the compressed files from the cache only: a build
	// that would have to compress fails with ErrNotCached instead.
	CachedOnly bool
}

// ErrNotCached is a CachedOnly build that found a file not compressed yet.
var ErrNotCached = errors.New("not compressed at this quality yet")

// Encoding is a content coding a bundle is precompressed in.
type Encoding struct {
	Name string // as in Content-Encoding
	Ext  string // the suffix of the precompressed sibling
}

// Encodings are the precompressed variants a bundle gets. brotli is the
// smallest; zstd, a fifth larger, decodes several times faster, which
// counts more than bytes between a browser and a server on one machine.
var Encodings = []Encoding{
	{"br", ".br"},
	{"zstd", ".zst"},
	{"gzip", ".gz"},
}

// zstdWindow is the largest window a zstd content coding may use (RFC
// 9659): browsers refuse larger ones.
const zstdWindow = 8 << 20

// precompress writes the precompressed siblings of dir/name, taking them
// from the cache when the same content was compressed before, and returns
// their descriptions.
func precompress(ctx context.Context, dir, name, sum string, c Compression) (map[string]Variant, error) {
	out := map[string]Variant{}
	for _, enc := range Encodings {
		key := sum + "." + enc.Name
		if enc.Name == "br" {
			key += "-q" + strconv.Itoa(c.Quality)
		}
		cached := filepath.Join(c.Cache, "compressed", key)
		info, err := verifiedCache(cached, sum, enc.Name)
		if err != nil {
			if c.CachedOnly {
				return nil, fmt.Errorf("%s (%s): %w", name, key, ErrNotCached)
			}
			if err := compressTo(ctx, filepath.Join(dir, name), cached, enc.Name, c); err != nil {
				return nil, err
			}
			if info, err = hashFile(cached); err != nil {
				return nil, err
			}
		}
		dst := filepath.Join(dir, name+enc.Ext)
		os.Remove(dst) // a link is not made over a file
		if err := linkOrCopy(cached, dst); err != nil {
			return nil, err
		}
		out[enc.Name] = Variant{File: name + enc.Ext, Size: info.Size, SHA256: info.SHA256}
	}
	return out, nil
}

// verifiedCache returns the description of a cached compressed file after
// checking that it decodes to the content whose SHA-256 is sum: a cache
// file that was truncated or changed is compressed again, not served.
func verifiedCache(cached, sum, encoding string) (FileInfo, error) {
	f, err := os.Open(cached)
	if err != nil {
		return FileInfo{}, err
	}
	defer f.Close()
	var zr io.Reader
	switch encoding {
	case "br":
		zr = brotli.NewReader(bufio.NewReader(f))
	case "gzip":
		if zr, err = gzip.NewReader(bufio.NewReader(f)); err != nil {
			return FileInfo{}, err
		}
	case "zstd":
		d, err := zstd.NewReader(bufio.NewReader(f), zstd.WithDecoderMaxWindow(zstdWindow), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return FileInfo{}, err
		}
		defer d.Close()
		zr = d
	default:
		return FileInfo{}, errors.New("unknown encoding " + encoding)
	}
	h := sha256.New()
	if _, err := io.Copy(h, zr); err != nil {
		return FileInfo{}, fmt.Errorf("cached %s: %w", cached, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != sum {
		return FileInfo{}, fmt.Errorf("cached %s does not decode to its source", cached)
	}
	return hashFile(cached)
}

// compressTo compresses src into the cache file dst, showing progress. A
// cancelled ctx returns at once: brotli at quality 11 works on 16 MiB at a
// time, for a minute or more, so the compression is left to end on its
// own in the background, writing into a file already removed.
func compressTo(ctx context.Context, src, dst, encoding string, c Compression) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	fi, err := in.Stat()
	if err != nil {
		in.Close()
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		in.Close()
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".compress-")
	if err != nil {
		in.Close()
		return err
	}
	defer os.Remove(tmp.Name())

	zw, settings, err := newEncoder(tmp, encoding, c.Quality)
	if err != nil {
		in.Close()
		tmp.Close()
		return err
	}
	label := filepath.Base(src) + " (" + encoding + settings + ")"
	bar := newProgressBar(c.Log, "compressing "+label, fi.Size())
	done := make(chan error, 1)
	go func() {
		defer in.Close()
		defer tmp.Close()
		src := &ctxReader{ctx: ctx, r: bufio.NewReaderSize(in, 1<<20)}
		if _, err := io.Copy(zw, io.TeeReader(src, bar)); err != nil {
			done <- err
			return
		}
		if err := zw.Close(); err != nil {
			done <- err
			return
		}
		// Readable by all, as every other file of a bundle: the entry is
		// linked into bundles that a server of another user may serve.
		done <- errors.Join(tmp.Chmod(0o644), tmp.Sync())
	}()
	select {
	case <-ctx.Done():
		bar.done()
		return fmt.Errorf("compress %s: %w", label, ctx.Err())
	case err := <-done:
		if err != nil {
			return fmt.Errorf("compress %s: %w", label, err)
		}
	}
	bar.done()
	return os.Rename(tmp.Name(), dst)
}

// newEncoder returns the compressor of an encoding writing to w, and its
// settings worth showing ("" or " q11").
func newEncoder(w io.Writer, encoding string, quality int) (io.WriteCloser, string, error) {
	switch encoding {
	case "br":
		// The largest window brotli allows without the "large window"
		// extension browsers do not speak.
		return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: quality, LGWin: 24}), " q" + strconv.Itoa(quality), nil
	case "gzip":
		zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
		return zw, "", err
	case "zstd":
		zw, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedBestCompression),
			zstd.WithWindowSize(zstdWindow), zstd.WithEncoderConcurrency(1))
		return zw, "", err
	}
	return nil, "", errors.New("unknown encoding " + encoding)
}

// ctxReader stops reading once ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// hashFile returns a file's size, SHA-256 and SRI integrity (SHA-384) in
// one read: the one file hasher of the package.
func hashFile(path string) (FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileInfo{}, err
	}
	defer f.Close()
	h256, h384 := sha256.New(), sha512.New384()
	n, err := io.Copy(io.MultiWriter(h256, h384), f)
	if err != nil {
		return FileInfo{}, fmt.Errorf("hash %s: %w", path, err)
	}
	return FileInfo{
		Size:      n,
		SHA256:    hex.EncodeToString(h256.Sum(nil)),
		Integrity: "sha384-" + base64.StdEncoding.EncodeToString(h384.Sum(nil)),
	}, nil
}
