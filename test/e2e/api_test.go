package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The docker CLI, unchanged, drives berth through `berth system service`.

func TestAPIDockerRunForeground(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)

	s.docker(t, "version", "--format", "{{.Server.Platform.Name}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}}").
		Success(t).StdoutIs(t, "berth 1.57 1.24")

	// docker run = create, attach, wait(removed), start, then the exit code.
	s.docker(t, "run", "--rm", TestImage, "echo", "hi").Success(t).StdoutIs(t, "hi")
	r := s.docker(t, "run", "--rm", TestImage, "sh", "-c", "echo out; echo err >&2; exit 3").Exit(t, 3)
	r.StdoutIs(t, "out")
	if strings.TrimSpace(r.Stderr) != "err" {
		t.Errorf("stderr = %q, want the container's stderr only", r.Stderr)
	}
	// stdin reaches the container and its end closes the container's stdin.
	s.dockerWith(t, strings.NewReader("from stdin\n"), "run", "--rm", "-i", TestImage, "cat").
		Success(t).StdoutIs(t, "from stdin")
	// -it: a terminal inside, typed input reaches the shell (script(1)
	// gives the docker CLI the terminal it insists on).
	if _, err := exec.LookPath("script"); err == nil {
		r := runCmdStdin(t, "typed\n", "script", "-qec", "DOCKER_HOST=unix://"+s.sock+" docker run -it --rm "+TestImage+" sh -c 'tty; read x; echo got $x; exit 5'", "/dev/null").Exit(t, 5)
		r.StdoutContains(t, "/dev/pts/0", "got typed")
	}
	// Commands the runtime cannot execute: docker's 127 and 126.
	s.docker(t, "run", "--rm", TestImage, "/no/such/binary").Exit(t, 127)
	s.docker(t, "run", "--rm", TestImage, "/etc/passwd").Exit(t, 126)
	// What berth cannot do yet is refused, not ignored.
	s.docker(t, "run", "--rm", "--shm-size", "1m", TestImage, "true").Exit(t, 125).
		StderrContains(t, "ShmSize is not supported")
	// Host config reaches the container.
	dir := filepath.Join(e.Dir, "data")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "f"), []byte("from-host"), 0o644)
	s.docker(t, "run", "--rm", "-v", dir+":/data:ro", "--read-only", "-e", "A=b", "-w", "/data", "--hostname", "boat",
		TestImage, "sh", "-c", `echo "$A $(pwd) $(hostname) $(cat f)"; touch /x 2>/dev/null || echo ro`).
		Success(t).StdoutIs(t, "b /data boat from-host\nro")
	// Without --rm the container stays, exited, for ps and inspect.
	s.docker(t, "run", "--name", "kept", TestImage, "sh", "-c", "exit 4").Exit(t, 4)
	s.docker(t, "ps", "-a", "--format", "{{.Names}} {{.Status}}").Success(t).StdoutContains(t, "kept Exited (4)")
	s.docker(t, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.Name}} {{.HostConfig.AutoRemove}}", "kept").
		Success(t).StdoutIs(t, "exited 4 /kept false")
	// start -a runs it again attached.
	s.docker(t, "start", "-a", "kept").Exit(t, 4)
	s.docker(t, "rm", "kept").Success(t)

	// Nothing is left: no container, no conmon, no mount.
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	assertNoLeftovers(t, e)
}

func TestAPIDockerDetachedLogsStop(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)

	id := s.docker(t, "run", "-d", "--name", "ticker", TestImage, "sh", "-c",
		`trap "echo bye; exit 0" TERM; i=0; while true; do echo tick $i; echo warn $i >&2; i=$((i+1)); sleep 0.2; done`).
		Success(t).Out()
	if len(id) != 64 {
		t.Fatalf("run -d printed %q, want a 64-hex ID", id)
	}
	// The berth CLI sees what the API made.
	e.Run("ps", "--format", "{{.Names}}").Success(t).StdoutIs(t, "ticker")
	s.docker(t, "ps", "--format", "{{.ID}} {{.Names}} {{.Image}} {{.State}}").Success(t).
		StdoutIs(t, id[:12]+" ticker "+TestImage+":latest running")
	s.docker(t, "ps", "--filter", "name=tick", "--filter", "status=running", "-q").Success(t).StdoutIs(t, id[:12])
	s.docker(t, "ps", "--filter", "status=exited", "-q").Success(t).StdoutIs(t, "")

	// logs -f follows until the container stops; stdout and stderr stay apart.
	follow := startDocker(t, s, "logs", "-f", "ticker")
	follow.WaitStdout(t, "tick 3", 10*time.Second)
	s.docker(t, "logs", "--tail", "1", "ticker").Success(t)
	s.docker(t, "pause", "ticker").Success(t)
	s.docker(t, "inspect", "-f", "{{.State.Status}}", "ticker").Success(t).StdoutIs(t, "paused")
	s.docker(t, "unpause", "ticker").Success(t)
	s.docker(t, "stop", "ticker").Success(t).StdoutIs(t, "ticker")
	r := follow.Wait(t).Success(t)
	if !strings.Contains(r.Stdout, "bye") || strings.Contains(r.Stdout, "warn") || !strings.Contains(r.Stderr, "warn 0") {
		t.Errorf("logs -f: stdout %q, stderr %q: want ticks and bye on stdout, warnings on stderr", r.Stdout, r.Stderr)
	}
	s.docker(t, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "ticker").Success(t).StdoutIs(t, "exited 0")
	// A second stop is docker's 304: still success for the CLI.
	s.docker(t, "stop", "ticker").Success(t)
	s.docker(t, "logs", "-t", "--tail", "1", "ticker").Success(t).StdoutContains(t, "Z bye")

	// restart, kill with a signal, wait for the exit code.
	s.docker(t, "restart", "-t", "1", "ticker").Success(t)
	s.docker(t, "inspect", "-f", "{{.State.Running}}", "ticker").Success(t).StdoutIs(t, "true")
	s.docker(t, "kill", "-s", "KILL", "ticker").Success(t)
	s.docker(t, "wait", "ticker").Success(t).StdoutIs(t, "137")
	s.docker(t, "rm", "ticker").Success(t)
	s.docker(t, "rm", "ticker").Exit(t, 1).StderrContains(t, "no such container")
	assertNoLeftovers(t, e)
}

func TestAPIDockerImages(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)

	s.docker(t, "images", "--format", "{{.Repository}}:{{.Tag}}").Success(t).StdoutIs(t, TestImage+":latest")
	s.docker(t, "tag", TestImage, "localhost/other:v1").Success(t)
	s.docker(t, "images", "--format", "{{.Repository}}:{{.Tag}}", "localhost/other").Success(t).StdoutIs(t, "localhost/other:v1")
	s.docker(t, "image", "inspect", "-f", "{{.Os}} {{.Architecture}} {{index .RepoTags 0}}", "localhost/other:v1").
		Success(t).StdoutContains(t, "linux amd64")
	s.docker(t, "history", "-q", TestImage).Success(t)

	archive := filepath.Join(e.Dir, "saved.tar")
	s.docker(t, "save", "-o", archive, "localhost/other:v1").Success(t)
	s.docker(t, "rmi", "localhost/other:v1").Success(t).StdoutContains(t, "Untagged: localhost/other:v1")
	s.docker(t, "rmi", "localhost/other:v1").Exit(t, 1).StderrContains(t, "localhost/other:v1")
	s.docker(t, "load", "-i", archive).Success(t).StdoutContains(t, "Loaded image: localhost/other:v1")
	e.Run("images", "--format", "{{.Repository}}:{{.Tag}}").Success(t).StdoutContains(t, "localhost/other:v1")

	// An image in use cannot go without force (409).
	s.docker(t, "create", "--name", "user", "localhost/other:v1", "true").Success(t)
	s.docker(t, "rmi", TestImage+":latest").Success(t) // only untags: other names remain
	s.docker(t, "system", "df").Success(t).StdoutContains(t, "Images", "Containers")
	s.docker(t, "container", "prune", "-f").Success(t).StdoutContains(t, "Deleted Containers")
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
}

// Several clients at once: runs, listings and removals in parallel.
func TestAPIConcurrentClients(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)

	var wg sync.WaitGroup
	errs := make(chan string, 32)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("hello %d", i)
			r := s.docker(t, "run", "--rm", TestImage, "echo", want)
			if r.ExitCode != 0 || r.Out() != want {
				errs <- fmt.Sprintf("run %d: exit %d, stdout %q, stderr %q", i, r.ExitCode, r.Stdout, r.Stderr)
			}
			if r := s.docker(t, "ps", "-a", "-q"); r.ExitCode != 0 {
				errs <- "ps: " + r.Stderr
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	assertNoLeftovers(t, e)
}

// The Python docker SDK over the same socket.
func TestAPIPythonSDK(t *testing.T) {
	t.Parallel()
	if exec.Command("python3", "-c", "import docker").Run() != nil {
		t.Skip("no Python docker SDK here")
	}
	e := newImageEnv(t)
	s := startAPI(t, e)
	script := `
import docker, sys
c = docker.DockerClient(base_url="unix://` + s.sock + `")
assert c.ping()
print(c.version()["ApiVersion"])
print(c.containers.run("` + TestImage + `", ["echo", "hi from sdk"], remove=True).decode().strip())
ctr = c.containers.run("` + TestImage + `", ["sh", "-c", "echo started; sleep 30"], detach=True, name="sdk")
print(ctr.status)
ctr.reload(); print(ctr.status)
print([x.name for x in c.containers.list()])
ctr.stop(timeout=1); print(ctr.wait()["StatusCode"])
print(ctr.logs().decode().strip())
ctr.remove()
print([i.tags for i in c.images.list()])
try:
    c.containers.get("nosuch")
except docker.errors.NotFound as e:
    print("notfound")
`
	r := runCmd(t, "python3", "-c", script).Success(t)
	r.StdoutIs(t, "1.57\nhi from sdk\ncreated\nrunning\n['sdk']\n137\nstarted\n[['"+TestImage+":latest']]\nnotfound")
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
}

// The service exits by itself after --time seconds without requests, and
// removes its socket.
func TestAPIIdleExit(t *testing.T) {
	t.Parallel()
	e := NewEnv(t)
	sock := filepath.Join(e.Dir, "idle.sock")
	start := time.Now()
	p := e.Start("system", "service", "--time", "1", "unix://"+sock)
	waitFor(t, func() bool { _, err := os.Stat(sock); return err == nil })
	if fi, _ := os.Stat(sock); fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v, want 0660", fi.Mode().Perm())
	}
	p.Wait(t).Success(t)
	if d := time.Since(start); d < time.Second || d > 8*time.Second {
		t.Errorf("service exited after %v, want about 1s of idleness", d)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
	// tcp://127.0.0.1:PORT serves the same API.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	tcp := e.Start("system", "service", "--time", "0", "tcp://"+addr)
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	r := runCmd(t, "docker", "-H", "tcp://"+addr, "version", "--format", "{{.Server.APIVersion}}")
	r.Success(t).StdoutIs(t, "1.57")
	tcp.Signal(t, syscall.SIGTERM)
	tcp.Wait(t).Success(t)
	// A bad URI is a usage error.
	e.Run("system", "service", "ftp://x").Exit(t, 125).StderrContains(t, "unix:///PATH or tcp://HOST:PORT")
}

func jsonField(t *testing.T, body, key string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not JSON: %q: %v", body, err)
	}
	return m[key]
}
