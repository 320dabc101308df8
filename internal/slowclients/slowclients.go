// Package slowclients holds connections to a server the way slow and idle
// clients do, for the tests and the benchmark of a long-lived server.
package slowclients

import (
	"net"
	"time"
)

// Clients are connections held open against a server.
type Clients struct {
	conns []net.Conn
	stop  chan struct{}
}

// Open connects trickling clients, which send a request's headers a byte
// every 200 ms and never end them, and silent clients, which connect and
// say nothing, to addr (host:port).
func Open(addr string, trickling, silent int) (*Clients, error) {
	c := &Clients{stop: make(chan struct{})}
	for i := range trickling + silent {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.conns = append(c.conns, conn)
		if i < trickling {
			conn.Write([]byte("GET /widget.js HTTP/1.1\r\nHost: x\r\nX-Slow: "))
		}
	}
	go func() {
		for {
			select {
			case <-c.stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			for _, conn := range c.conns[:trickling] {
				conn.Write([]byte("a"))
			}
		}
	}()
	return c, nil
}

// Trickler returns the first trickling connection, to see whether the
// server lets it go.
func (c *Clients) Trickler() net.Conn { return c.conns[0] }

// Close stops the trickle and closes every connection.
func (c *Clients) Close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	for _, conn := range c.conns {
		conn.Close()
	}
}
