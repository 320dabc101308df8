package server

import (
	"strconv"
	"strings"
)

// Encodings a bundle can have precompressed.
const (
	Brotli   = "br"
	Zstd     = "zstd"
	Gzip     = "gzip"
	Identity = "identity"
)

// Preferences among codings the client likes equally, by link: fewest
// bytes for a remote client; for one on this machine, the fastest to
// decode (zstd decodes the Viewer in a fraction of brotli's time, and
// both beat identity through a tunnel that only looks local).
var (
	remotePreference = []string{Brotli, Zstd, Gzip, Identity}
	localPreference  = []string{Zstd, Brotli, Gzip, Identity}
)

// Negotiate picks the content coding to send from the Accept-Encoding
// header (RFC 9110 §12.5.3) among the available ones (identity is always
// available): the highest q-value wins, ties go to the first coding in
// preference. ok is false when the client refuses every available coding.
func Negotiate(acceptEncoding string, available map[string]bool, preference []string) (coding string, ok bool) {
	q := parseAcceptEncoding(acceptEncoding)
	best, bestQ := "", 0.0
	for _, c := range preference {
		if c != Identity && !available[c] {
			continue
		}
		if v := q.value(c); v > bestQ {
			best, bestQ = c, v
		}
	}
	return best, best != ""
}

// acceptedCodings maps a coding (lower case) to its q-value; star is the
// q-value of "*", or -1 when absent.
type acceptedCodings struct {
	listed map[string]float64
	star   float64
	empty  bool // no header: anything goes, identity preferred (RFC 9110)
}

func (a acceptedCodings) value(coding string) float64 {
	if a.empty {
		if coding == Identity {
			return 1
		}
		return 0
	}
	if v, ok := a.listed[coding]; ok {
		return v
	}
	if a.star >= 0 {
		return a.star
	}
	if coding == Identity {
		// Identity is acceptable unless refused explicitly or by "*;q=0".
		return 0.001
	}
	return 0
}

func parseAcceptEncoding(h string) acceptedCodings {
	a := acceptedCodings{listed: map[string]float64{}, star: -1}
	if strings.TrimSpace(h) == "" {
		a.empty = true
		return a
	}
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		q, ok := qValue(params)
		if !ok {
			continue // a malformed entry is ignored, not trusted
		}
		if name == "x-gzip" {
			name = Gzip
		}
		if name == "*" {
			a.star = q
			continue
		}
		if old, seen := a.listed[name]; !seen || q > old {
			a.listed[name] = q
		}
	}
	return a
}

// qValue reads the q parameter of an Accept-Encoding entry; no q means 1.
func qValue(params string) (float64, bool) {
	for _, p := range strings.Split(params, ";") {
		k, v, found := strings.Cut(p, "=")
		if !found || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		// RFC 9110 §12.4.2: 0 to 1 with at most three decimals.
		if len(v) == 0 || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
			return 0, false
		}
		q, err := strconv.ParseFloat(v, 64)
		if err != nil || q < 0 || q > 1 {
			return 0, false
		}
		return q, true
	}
	return 1, true
}
