package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// registryBinary is the distribution registry from Debian's docker-registry
// package (hack/deps.sh test installs it).
const registryBinary = "/usr/bin/docker-registry"

// registry is a private distribution registry on 127.0.0.1, with its
// storage in a temporary directory.
type registry struct {
	addr string // 127.0.0.1:PORT
	dir  string
	cmd  *exec.Cmd
}

func startRegistry(ctx context.Context) (*registry, error) {
	if _, err := os.Stat(registryBinary); err != nil {
		return nil, fmt.Errorf("%s not installed (hack/deps.sh test installs it): %w", registryBinary, err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "berth-bench-registry-")
	if err != nil {
		return nil, err
	}
	r := &registry{addr: "127.0.0.1:" + strconv.Itoa(port), dir: dir}
	// Minimal distribution config (version 0.1 schema): filesystem storage,
	// loopback only, no access log on our terminal.
	conf := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "data"), r.addr)
	confPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		r.stop()
		return nil, err
	}
	r.cmd = exec.Command(registryBinary, "serve", confPath)
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		r.stop()
		return nil, err
	}
	defer logf.Close()
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	if err := r.cmd.Start(); err != nil {
		r.cmd = nil
		r.stop()
		return nil, fmt.Errorf("starting %s: %w", registryBinary, err)
	}
	if err := r.waitReady(ctx); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
		r.stop()
		return nil, fmt.Errorf("%w\n%s", err, log)
	}
	return r, nil
}

// waitReady polls the API base endpoint (GET /v2/ answers 200 once the
// registry serves) for a few seconds; it runs once, off the measured path.
func (r *registry) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.addr+"/v2/", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("registry did not answer on " + r.addr + " within 10s")
}

// stop ends the registry by pid (SIGTERM, then SIGKILL) and removes its
// storage.
func (r *registry) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = r.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = r.cmd.Process.Kill()
			<-done
		}
	}
	_ = os.RemoveAll(r.dir)
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before the registry binds it; the registry then fails to start
// and the figure says so.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
