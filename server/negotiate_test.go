package server

import (
	"testing"
)

func TestNegotiate(t *testing.T) {
	all := map[string]bool{Brotli: true, Zstd: true, Gzip: true}
	gzOnly := map[string]bool{Gzip: true}
	noZstd := map[string]bool{Brotli: true, Gzip: true}
	tests := []struct {
		header    string
		available map[string]bool
		want      string
		ok        bool
		local     bool
	}{
		{"gzip, deflate, br, zstd", all, Zstd, true, true},
		{"gzip, deflate, br", all, Brotli, true, true},
		{"gzip, deflate, br, zstd", noZstd, Brotli, true, true},
		{"zstd;q=0.5, br", all, Brotli, true, true}, // q-values before preference
		{"zstd, gzip", all, Zstd, true, false},
		{"", all, Identity, true, true},
		{"gzip, deflate, br, zstd", all, Brotli, true, false},
		{"gzip, deflate, br, zstd", gzOnly, Gzip, true, false},
		{"gzip, deflate, br, zstd", nil, Identity, true, false},
		{"", all, Identity, true, false},
		{"gzip", all, Gzip, true, false},
		{"br;q=0.5, gzip;q=0.8", all, Gzip, true, false},
		{"br;q=1.0, gzip;q=1", all, Brotli, true, false},
		{"BR, GZIP", all, Brotli, true, false},
		{"x-gzip", all, Gzip, true, false},
		{"*", all, Brotli, true, false},
		{"*;q=0.5, br;q=0", all, Zstd, true, false},
		{"*;q=0.5, br;q=0", noZstd, Gzip, true, false},
		{"identity;q=0, gzip;q=0", gzOnly, "", false, false},
		{"*;q=0", all, "", false, false},
		{"*;q=0, identity", all, Identity, true, false},
		{"deflate", all, Identity, true, false},
		{"br;q=2, gzip", all, Gzip, true, false},            // malformed q: entry ignored
		{"br;q=0.1234, gzip;q=0.2", all, Gzip, true, false}, // too many decimals
		{"br;q=abc", all, Identity, true, false},
		{",,; ,br", all, Brotli, true, false},
		{"gzip;q=0, br;q=0", all, Identity, true, false},
	}
	for _, tt := range tests {
		pref := remotePreference
		if tt.local {
			pref = localPreference
		}
		got, ok := Negotiate(tt.header, tt.available, pref)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Negotiate(%q, %v, local %v) = %q, %v; want %q, %v", tt.header, tt.available, tt.local, got, ok, tt.want, tt.ok)
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
		avail := map[string]bool{Brotli: true, Zstd: true, Gzip: true}
		got, ok := Negotiate(header, avail, localPreference)
		if !ok {
			if got != "" {
				t.Fatalf("Negotiate(%q) = %q but not ok", header, got)
			}
			return
		}
		if !avail[got] && got != Identity {
			t.Fatalf("Negotiate(%q) = %q, not a coding we have", header, got)
		}
		if parseAcceptEncoding(header).value(got) <= 0 {
			t.Fatalf("Negotiate(%q) = %q, which the header refuses", header, got)
		}
	})
}
