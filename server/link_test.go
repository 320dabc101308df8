package server

import (
	"net/http/httptest"
	"testing"
)

func TestIsLocal(t *testing.T) {
	tests := []struct {
		name       string
		remoteAddr string
		header     [2]string
		policy     Link
		publicURL  string
		want       bool
	}{
		{"loopback v4", "127.0.0.1:50000", [2]string{}, LinkAuto, "", true},
		{"loopback v6", "[::1]:50000", [2]string{}, LinkAuto, "", true},
		{"another loopback address", "127.0.0.2:50000", [2]string{}, LinkAuto, "", true},
		{"a network address", "192.0.2.7:50000", [2]string{}, LinkAuto, "", false},
		{"behind a proxy (X-Forwarded-For)", "127.0.0.1:50000", [2]string{"X-Forwarded-For", "203.0.113.9"}, LinkAuto, "", false},
		{"behind a proxy (Forwarded)", "127.0.0.1:50000", [2]string{"Forwarded", "for=203.0.113.9"}, LinkAuto, "", false},
		{"behind a proxy (X-Real-IP)", "127.0.0.1:50000", [2]string{"X-Real-IP", "203.0.113.9"}, LinkAuto, "", false},
		{"public URL elsewhere", "127.0.0.1:50000", [2]string{}, LinkAuto, "https://hub.example/rerun", false},
		{"public URL on this machine", "127.0.0.1:50000", [2]string{}, LinkAuto, "http://localhost:8080", true},
		{"forced local", "192.0.2.7:50000", [2]string{"Via", "1.1 proxy"}, LinkLocal, "https://hub.example", true},
		{"forced remote", "127.0.0.1:50000", [2]string{}, LinkRemote, "", false},
		{"unreadable address", "pipe", [2]string{}, LinkAuto, "", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/re_viewer_bg.wasm", nil)
		r.RemoteAddr = tt.remoteAddr
		if tt.header[0] != "" {
			r.Header.Set(tt.header[0], tt.header[1])
		}
		if got := isLocal(r, tt.policy, tt.publicURL); got != tt.want {
			t.Errorf("%s: isLocal = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseLink(t *testing.T) {
	for in, want := range map[string]Link{"": LinkAuto, "auto": LinkAuto, "Local": LinkLocal, " remote ": LinkRemote} {
		if got, err := ParseLink(in); err != nil || got != want {
			t.Errorf("ParseLink(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseLink("lan"); err == nil {
		t.Error(`ParseLink("lan") accepted`)
	}
}
