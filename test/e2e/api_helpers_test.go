package e2e

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// apiService is `berth system service` running for one Env, with the real
// docker CLI and a raw HTTP client pointed at its socket.
type apiService struct {
	e    *Env
	sock string
	proc *Proc
	http *http.Client
}

// startAPI starts the service on a unix socket in the Env's directory and
// waits until it answers /_ping. The Env's teardown stops it.
func startAPI(t *testing.T, e *Env, extra ...string) *apiService {
	t.Helper()
	if suite.engine == "podman" {
		t.Skip("the API tests drive berth's own service")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker CLI on the PATH")
	}
	s := &apiService{e: e, sock: filepath.Join(e.Dir, "api.sock")}
	s.http = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", s.sock)
		},
	}}
	args := append([]string{"system", "service", "--time", "0"}, extra...)
	s.proc = e.Start(append(args, "unix://"+s.sock)...)
	// The service logs why it answered 500; a failed test shows it.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("service stderr:\n%s", s.proc.Stderr())
		}
	})
	waitFor(t, func() bool {
		if s.proc.Exited() {
			t.Fatalf("service exited: %s", s.proc.Stderr())
		}
		resp, err := s.http.Get("http://d/_ping")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return s
}

// docker runs the docker CLI against the service.
func (s *apiService) docker(t *testing.T, args ...string) *Result {
	t.Helper()
	return s.dockerWith(t, nil, args...)
}

func (s *apiService) dockerWith(t *testing.T, stdin io.Reader, args ...string) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+s.sock, "DOCKER_CONFIG="+filepath.Join(s.e.Dir, "docker-config"))
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = pipeGrace
	start := time.Now()
	err := cmd.Run()
	r := &Result{Args: append([]string{"docker"}, args...), Stdout: out.String(), Stderr: errb.String(), Duration: time.Since(start)}
	r.setError(err, ctx.Err())
	return r
}

// request sends one HTTP request and returns status, headers and body.
func (s *apiService) request(t *testing.T, method, path, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://d"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// expect checks a request's status and that the body contains want.
func (s *apiService) expect(t *testing.T, method, path, body string, code int, want ...string) string {
	t.Helper()
	got, _, b := s.request(t, method, path, body)
	if got != code {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, got, code, b)
	}
	for _, w := range want {
		if !strings.Contains(b, w) {
			t.Fatalf("%s %s: body %q lacks %q", method, path, b, w)
		}
	}
	return b
}

// startDocker runs the docker CLI in the background, like Env.Start; the
// Env's teardown kills it if the test did not wait for it.
func startDocker(t *testing.T, s *apiService, args ...string) *Proc {
	t.Helper()
	p := &Proc{args: append([]string{"docker"}, args...), done: make(chan struct{})}
	p.Cmd = exec.Command("docker", args...)
	p.Cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+s.sock, "DOCKER_CONFIG="+filepath.Join(s.e.Dir, "docker-config"))
	p.Cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.Cmd.Stdout, p.Cmd.Stderr = &p.stdout, &p.stderr
	p.Cmd.WaitDelay = pipeGrace
	p.start = time.Now()
	if err := p.Cmd.Start(); err != nil {
		t.Fatalf("start docker %v: %v", args, err)
	}
	s.e.mu.Lock()
	s.e.procs = append(s.e.procs, p)
	s.e.mu.Unlock()
	go func() {
		err := p.Cmd.Wait()
		r := &Result{Args: p.args, Stdout: p.stdout.String(), Stderr: p.stderr.String(), Duration: time.Since(p.start)}
		r.setError(err, nil)
		p.result = r
		close(p.done)
	}()
	return p
}

// runCmd runs a helper program (not the engine) and returns its Result.
func runCmd(t *testing.T, name string, args ...string) *Result {
	t.Helper()
	return runCmdStdin(t, "", name, args...)
}

// runCmdStdin is runCmd with stdin.
func runCmdStdin(t *testing.T, stdin, name string, args ...string) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := &Result{Args: append([]string{name}, args...), Stdout: out.String(), Stderr: errb.String(), Duration: time.Since(start)}
	r.setError(err, ctx.Err())
	return r
}
