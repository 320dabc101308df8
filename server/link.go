package server

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Link says where the browsers a server answers are, which decides the
// content coding it prefers (see localPreference).
type Link string

const (
	// LinkAuto decides for each request: local when it comes from this
	// machine's loopback with no proxy's forwarding header, and the
	// server's public URL (if any) names this machine too.
	LinkAuto Link = "auto"
	// LinkLocal treats every client as one on this machine.
	LinkLocal Link = "local"
	// LinkRemote treats every client as one across a network.
	LinkRemote Link = "remote"
)

// ParseLink reads a --link value.
func ParseLink(s string) (Link, error) {
	switch l := Link(strings.ToLower(strings.TrimSpace(s))); l {
	case "", LinkAuto:
		return LinkAuto, nil
	case LinkLocal, LinkRemote:
		return l, nil
	}
	return "", fmt.Errorf("link %q: want auto, local (browsers on this machine: fastest to decode) or remote (fewest bytes)", s)
}

// forwardingHeaders are those a proxy adds: a request that has one came
// from further away than the proxy's own address.
var forwardingHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip", "Via"}

// isLocal reports whether r is from a browser on this machine under
// policy; publicURL is the address users reach the server at, or "".
func isLocal(r *http.Request, policy Link, publicURL string) bool {
	switch policy {
	case LinkLocal:
		return true
	case LinkRemote:
		return false
	}
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || !loopbackHost(u.Hostname()) {
			return false
		}
	}
	for _, h := range forwardingHeaders {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	return loopbackHost(host)
}

// loopbackHost reports whether host (a name or an address) is this
// machine's loopback.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
