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
		p             loadProgress
		title, detail string
		pct           int
	}{
		{loadProgress{Phase: phaseDownload, Received: 3 << 20, Total: 12 << 20}, "Downloading the Rerun Viewer…", "3.0 MiB of 12.0 MiB (25%)", 25},
		{loadProgress{Phase: phaseDownload, Received: 5 << 19}, "Downloading the Rerun Viewer…", "2.5 MiB", 0},
		{loadProgress{Phase: phaseDownload, Received: 20, Total: 10}, "Downloading the Rerun Viewer…", "0.0 MiB of 0.0 MiB (100%)", 100},
		{loadProgress{Phase: phaseCompile, Received: 10, Total: 10}, "Compiling the Rerun Viewer…", "", 100},
		{loadProgress{Phase: phaseStart}, "Starting the Rerun Viewer…", "", 0},
		{loadProgress{}, "Loading Rerun…", "", 0},
	}
	for _, tt := range tests {
		if got := tt.p.title(); got != tt.title {
			t.Errorf("%+v: title %q, want %q", tt.p, got, tt.title)
		}
		if got := tt.p.detail(); got != tt.detail {
			t.Errorf("%+v: detail %q, want %q", tt.p, got, tt.detail)
		}
		if got := tt.p.percent(); got != tt.pct {
			t.Errorf("%+v: percent %d, want %d", tt.p, got, tt.pct)
		}
	}
}

func TestShouldReport(t *testing.T) {
	tests := []struct {
		last, now loadProgress
		want      bool
	}{
		{loadProgress{Received: 10, Total: 1000}, loadProgress{Received: 11, Total: 1000}, false},
		{loadProgress{Received: 10, Total: 1000}, loadProgress{Received: 20, Total: 1000}, true},
		{loadProgress{Received: 1 << 20}, loadProgress{Received: 1<<20 + 5}, false},
		{loadProgress{Received: 1 << 20}, loadProgress{Received: 2 << 20}, true},
	}
	for _, tt := range tests {
		if got := shouldReport(tt.last, tt.now); got != tt.want {
			t.Errorf("shouldReport(%+v, %+v) = %v", tt.last, tt.now, got)
		}
	}
}
