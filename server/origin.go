package server

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// ParseOrigins reads a comma-separated list of origins allowed to fetch
// the bundle, as --allow-origin takes it. Each is normalised the way
// browsers send the Origin header (scheme and host lower-cased, default
// port and a trailing slash dropped), so "https://Hub.example:443/"
// matches what a browser on https://hub.example sends. A "*" in the list
// allows every origin: ParseOrigins returns nil. Anything that is not an
// origin (a path, a query, another scheme) is an error naming it.
func ParseOrigins(list string) ([]string, error) {
	var origins []string
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		switch raw {
		case "":
			continue
		case "*":
			return nil, nil
		}
		o, err := normalizeOrigin(raw)
		if err != nil {
			return nil, err
		}
		origins = append(origins, o)
	}
	return origins, nil
}

// normalizeOrigin returns the serialised origin of raw (RFC 6454 §6.2).
func normalizeOrigin(raw string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("origin %q %s: write it as scheme://host[:port], for example https://hub.example or http://localhost:8888", raw, why)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", bad("does not parse")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return "", bad("is not http or https")
	case u.Opaque != "" || u.Host == "":
		return "", bad("has no host")
	case u.User != nil:
		return "", bad("has a user name")
	case u.Path != "" && u.Path != "/":
		return "", bad("has a path")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", bad("has a query or fragment")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", bad("has no host")
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", bad("has a port out of range")
		}
		if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
			port = ""
		} else {
			port = strconv.Itoa(n)
		}
	}
	if port == "" {
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		return scheme + "://" + host, nil
	}
	return scheme + "://" + net.JoinHostPort(host, port), nil
}

// CheckPublicURL reports a --public-url that cannot prefix the asset URLs:
// it must be an absolute http(s) URL with no query or fragment.
func CheckPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("--public-url %q is not an absolute http(s) URL (for example https://hub.example/user/me/proxy/8080)", raw)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return fmt.Errorf("--public-url %q has a query or fragment: the asset paths are appended to it, so give the base URL alone", raw)
	}
	return nil
}
