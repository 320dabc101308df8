// Package nginx runs Debian's nginx in the foreground on loopback to serve
// a bundle with the nginx.conf `loader build` writes, for tests and
// benchmarks that compare against it.
package nginx

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// BrotliModule is where Debian's libnginx-mod-http-brotli-static puts the
// module the generated nginx.conf needs.
const BrotliModule = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"

// Server is a running nginx.
type Server struct {
	URL     string // http://127.0.0.1:port
	Started time.Time
	cmd     *exec.Cmd
	dir     string
}

// Start runs nginx on a free loopback port with a server block including
// bundle/nginx.conf, and returns once it accepts connections. workers is
// nginx's worker_processes; 0 means one per core.
func Start(bundle string, workers int) (*Server, error) {
	exe, err := exec.LookPath("nginx")
	if err != nil {
		return nil, errors.New("nginx is not installed (Debian: nginx and libnginx-mod-http-brotli-static; make test installs them)")
	}
	if _, err := os.Stat(BrotliModule); err != nil {
		return nil, errors.New("the nginx brotli_static module is not installed (Debian: libnginx-mod-http-brotli-static)")
	}
	bundle, err = filepath.Abs(bundle)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	dir, err := os.MkdirTemp("", "nginx-")
	if err != nil {
		return nil, err
	}
	conf := mainConf(dir, addr, bundle, workers)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.Command(exe, "-t", "-p", dir, "-c", confPath).CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("nginx -t: %w\n%s", err, out)
	}
	s := &Server{URL: "http://" + addr, dir: dir, Started: time.Now()}
	s.cmd = exec.Command(exe, "-p", dir, "-c", confPath)
	var stderr bytes.Buffer
	s.cmd.Stderr = &stderr
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return s, nil
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
	s.Stop()
	return nil, fmt.Errorf("nginx did not start: %s\n%s", stderr.String(), log)
}

// mainConf is an nginx.conf that serves the bundle's own nginx.conf on
// addr, with every scratch file in dir.
func mainConf(dir, addr, bundle string, workers int) string {
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers must read private temp folders
	}
	procs := "auto"
	if workers > 0 {
		procs = strconv.Itoa(workers)
	}
	return fmt.Sprintf(`%s
daemon off;
worker_processes %s;
pid %[3]s/nginx.pid;
error_log %[3]s/error.log;
load_module %[4]s;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path %[3]s/body;
    proxy_temp_path %[3]s/proxy;
    fastcgi_temp_path %[3]s/fastcgi;
    uwsgi_temp_path %[3]s/uwsgi;
    scgi_temp_path %[3]s/scgi;
    server {
        listen %[5]s;
        include %[6]s/nginx.conf;
    }
}
`, user, procs, dir, BrotliModule, addr, bundle)
}

// Stop stops nginx and removes its scratch folder.
func (s *Server) Stop() {
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
	os.RemoveAll(s.dir)
}

// Pid is the nginx master process; its workers are its children.
func (s *Server) Pid() int { return s.cmd.Process.Pid }
