package server

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestParseOrigins(t *testing.T) {
	tests := []struct {
		list    string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"https://Hub.example/", []string{"https://hub.example"}, ""},
		{"HTTPS://hub.example:443, http://localhost:8888", []string{"https://hub.example", "http://localhost:8888"}, ""},
		{"http://LOCALHOST:80", []string{"http://localhost"}, ""},
		{"http://[::1]:8888", []string{"http://[::1]:8888"}, ""},
		{"http://[::1]:80/", []string{"http://[::1]"}, ""},
		{"https://hub.example:8443", []string{"https://hub.example:8443"}, ""},
		{"https://hub.example, *", nil, ""},
		{"hub.example", nil, "is not http or https"},
		{"https://hub.example/lab", nil, "has a path"},
		{"https://hub.example/?x=1", nil, "has a query or fragment"},
		{"https://hub.example#top", nil, "has a query or fragment"},
		{"https://me@hub.example", nil, "has a user name"},
		{"https://hub.example:0", nil, "port out of range"},
		{"https://hub.example:99999", nil, "port out of range"},
		{"ftp://hub.example", nil, "is not http or https"},
		{"https://", nil, "has no host"},
	}
	for _, tt := range tests {
		got, err := ParseOrigins(tt.list)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "for example") {
				t.Errorf("ParseOrigins(%q) = %q, %v; want an error with %q and an example", tt.list, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseOrigins(%q) = %q, %v; want %q", tt.list, got, err, tt.want)
		}
	}
}

// TestAllowOriginAsTyped checks that an allow-list written the way people
// type origins lets in the browsers they mean, and only those.
func TestAllowOriginAsTyped(t *testing.T) {
	origins, err := ParseOrigins("https://Hub.example/, http://localhost:8888")
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, Config{Dir: bundle(t, "0.33.0"), AllowOrigins: origins})
	for origin, want := range map[string]int{
		"https://hub.example":   200,
		"http://localhost:8888": 200,
		"https://other.example": 403,
		"http://hub.example":    403,
		"null":                  403,
	} {
		req := httptest.NewRequest("GET", "/widget.js", nil)
		req.Header.Set("Origin", origin)
		res := httptest.NewRecorder()
		h.ServeHTTP(res, req)
		if res.Code != want {
			t.Errorf("Origin %s: HTTP %d, want %d", origin, res.Code, want)
		}
		if want == 200 && res.Header().Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("Origin %s: Access-Control-Allow-Origin %q", origin, res.Header().Get("Access-Control-Allow-Origin"))
		}
	}
}
