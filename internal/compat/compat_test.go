package main

import (
	"slices"
	"testing"
)

func TestAtLeast(t *testing.T) {
	for v, want := range map[string]bool{
		"0.18.2": false, "0.19.99": false, "0.20.0": true, "0.20.3": true, "0.33.0": true,
		"1.0.0": true, "0.24.0-alpha.9": true, "0.19.0-rc.1": false, "latest": false, "0.20": false,
	} {
		if got := atLeast(v, oldest); got != want {
			t.Errorf("atLeast(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestFirstOf(t *testing.T) {
	list := []string{"a", "b", "c"}
	if got := firstOf("c", list); !slices.Equal(got, []string{"c", "a", "b"}) {
		t.Errorf("firstOf(c) = %q", got)
	}
	if got := firstOf("", list); !slices.Equal(got, list) {
		t.Errorf("firstOf(\"\") = %q", got)
	}
	if !slices.Equal(list, []string{"a", "b", "c"}) {
		t.Errorf("firstOf changed its list: %q", list)
	}
}

func TestSummary(t *testing.T) {
	for _, tt := range []struct {
		c    cell
		want string
	}{
		{cell{Ready: true, Open: true, Drawn: true, Recording: "a.rrd"}, "ready · open · drawn"},
		{cell{Failure: "the page shows: no Wasm SIMD"}, "✗ the page shows: no Wasm SIMD"},
		{cell{Ready: true, Open: true, Recording: "a.rrd", Failure: "flat"}, "ready · open · ✗ flat"},
		{cell{Ready: true, Failure: "too new. Loading will try to continue; Failed to decode",
			Attempts: []attempt{{"a.rrd", "x"}, {"b.rrd", "y"}}}, "ready · ✗ too new. Loading will try to continue; Failed to decode (2 recordings tried)"},
	} {
		if got := tt.c.summary(); got != tt.want {
			t.Errorf("summary of %+v = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestShorten(t *testing.T) {
	long := "Data source http://127.0.0.1:36183/rrd/trail3.rrd has left unexpectedly. " +
		"Failed to fetch .rrd file from http://127.0.0.1:36183/rrd/trail3.rrd: lz4 error; the Viewer read the whole file"
	if got, want := shorten(long, 80), "Data source trail3.rrd has left unexpectedly."; got != want {
		t.Errorf("shorten = %q, want %q", got, want)
	}
	if got, want := shorten("abcdef\nsecond line", 4), "abc…"; got != want {
		t.Errorf("shorten = %q, want %q", got, want)
	}
}
