package server

import (
	"testing"
)

func TestNegotiate(t *testing.T) {
	all := map[string]bool{Brotli: true, Gzip: true}
	gzOnly := map[string]bool{Gzip: true}
	tests := []struct {
		header    string
		available map[string]bool
		want      string
		ok        bool
	}{
		{"gzip, deflate, br, zstd", all, Brotli, true},
		{"gzip, deflate, br, zstd", gzOnly, Gzip, true},
		{"gzip, deflate, br, zstd", nil, Identity, true},
		{"", all, Identity, true},
		{"gzip", all, Gzip, true},
		{"br;q=0.5, gzip;q=0.8", all, Gzip, true},
		{"br;q=1.0, gzip;q=1", all, Brotli, true},
		{"BR, GZIP", all, Brotli, true},
		{"x-gzip", all, Gzip, true},
		{"*", all, Brotli, true},
		{"*;q=0.5, br;q=0", all, Gzip, true},
		{"identity;q=0, gzip;q=0", gzOnly, "", false},
		{"*;q=0", all, "", false},
		{"*;q=0, identity", all, Identity, true},
		{"deflate", all, Identity, true},
		{"br;q=2, gzip", all, Gzip, true},            // malformed q: entry ignored
		{"br;q=0.1234, gzip;q=0.2", all, Gzip, true}, // too many decimals
		{"br;q=abc", all, Identity, true},
		{",,; ,br", all, Brotli, true},
		{"gzip;q=0, br;q=0", all, Identity, true},
	}
	for _, tt := range tests {
		got, ok := Negotiate(tt.header, tt.available)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Negotiate(%q, %v) = %q, %v; want %q, %v", tt.header, tt.available, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzNegotiate checks the parser on any header: it never panics, picks
// only an available coding, and never picks one the header gives q=0.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"gzip, deflate, br, zstd", "br;q=0.5, *;q=0", "identity;q=0", "", "*;q=0.001", "gzip;q=1.000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		avail := map[string]bool{Brotli: true, Gzip: true}
		got, ok := Negotiate(header, avail)
		if !ok {
			if got != "" {
				t.Fatalf("Negotiate(%q) = %q but not ok", header, got)
			}
			return
		}
		if got != Brotli && got != Gzip && got != Identity {
			t.Fatalf("Negotiate(%q) = %q, not a coding we have", header, got)
		}
		if parseAcceptEncoding(header).value(got) <= 0 {
			t.Fatalf("Negotiate(%q) = %q, which the header refuses", header, got)
		}
	})
}
