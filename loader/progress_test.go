package loader

import "testing"

func TestDownloadTotal(t *testing.T) {
	tests := []struct {
		final, length, encoding string
		want                    int64
	}{
		{"47398718", "14000000", "br", 47398718},
		{"", "47398718", "", 47398718},
		{"", "47398718", "identity", 47398718},
		{"", "14000000", "gzip", 0},
		{"", "", "", 0},
		{"garbage", "100", "", 100},
		{"-5", "", "", 0},
		{" 12 ", "", "", 12},
	}
	for _, tt := range tests {
		if got := downloadTotal(tt.final, tt.length, tt.encoding); got != tt.want {
			t.Errorf("DownloadTotal(%q, %q, %q) = %d, want %d", tt.final, tt.length, tt.encoding, got, tt.want)
		}
	}
}

func TestProgressText(t *testing.T) {
	tests := []struct {
		p             Progress
		title, detail string
		pct           int
	}{
		{Progress{Phase: PhaseDownload, Received: 3 << 20, Total: 12 << 20}, "Downloading the Rerun Viewer…", "3.0 MiB of 12.0 MiB (25%)", 25},
		{Progress{Phase: PhaseDownload, Received: 5 << 19}, "Downloading the Rerun Viewer…", "2.5 MiB", 0},
		{Progress{Phase: PhaseDownload, Received: 20, Total: 10}, "Downloading the Rerun Viewer…", "0.0 MiB of 0.0 MiB (100%)", 100},
		{Progress{Phase: PhaseCompile, Received: 10, Total: 10}, "Compiling the Rerun Viewer…", "", 100},
		{Progress{Phase: PhaseStart}, "Starting the Rerun Viewer…", "", 0},
		{Progress{}, "Loading Rerun…", "", 0},
	}
	for _, tt := range tests {
		if got := tt.p.Title(); got != tt.title {
			t.Errorf("%+v: title %q, want %q", tt.p, got, tt.title)
		}
		if got := tt.p.Detail(); got != tt.detail {
			t.Errorf("%+v: detail %q, want %q", tt.p, got, tt.detail)
		}
		if got := tt.p.Percent(); got != tt.pct {
			t.Errorf("%+v: percent %d, want %d", tt.p, got, tt.pct)
		}
	}
}

func TestShouldReport(t *testing.T) {
	tests := []struct {
		last, now Progress
		want      bool
	}{
		{Progress{Received: 10, Total: 1000}, Progress{Received: 11, Total: 1000}, false},
		{Progress{Received: 10, Total: 1000}, Progress{Received: 20, Total: 1000}, true},
		{Progress{Received: 1 << 20}, Progress{Received: 1<<20 + 5}, false},
		{Progress{Received: 1 << 20}, Progress{Received: 2 << 20}, true},
	}
	for _, tt := range tests {
		if got := shouldReport(tt.last, tt.now); got != tt.want {
			t.Errorf("shouldReport(%+v, %+v) = %v", tt.last, tt.now, got)
		}
	}
}
