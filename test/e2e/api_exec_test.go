package e2e

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// docker exec and docker top, unchanged, through `berth system service`.
func TestAPIDockerExec(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)
	s.docker(t, "run", "-d", "--name", "box", TestImage, "sleep", "300").Success(t)

	s.docker(t, "exec", "box", "echo", "hi").Success(t).StdoutIs(t, "hi")
	// Piped stdin reaches the process; its end closes the process's stdin.
	s.dockerWith(t, strings.NewReader("a\nb\n"), "exec", "-i", "box", "cat").Success(t).StdoutIs(t, "a\nb")
	// Exit code and the two streams, apart.
	r := s.docker(t, "exec", "box", "sh", "-c", "echo out; echo err >&2; exit 3").Exit(t, 3)
	r.StdoutIs(t, "out")
	if strings.TrimSpace(r.Stderr) != "err" {
		t.Errorf("stderr = %q, want the process's stderr only", r.Stderr)
	}
	s.docker(t, "exec", "-u", "nobody", "-w", "/tmp", "-e", "X=y", "box", "sh", "-c", `id -un; pwd; echo $X`).
		Success(t).StdoutIs(t, "nobody\n/tmp\ny")
	// Commands that cannot run: docker's 127 and 126, with the message.
	s.docker(t, "exec", "box", "/no/such/binary").Exit(t, 127).StdoutContains(t, "not found")
	s.docker(t, "exec", "box", "/etc/passwd").Exit(t, 126)
	s.docker(t, "exec", "-u", "nosuchuser", "box", "true").Exit(t, 1).StderrContains(t, "nosuchuser")

	// -d: the process runs on its own; the container lists it while it runs.
	s.docker(t, "exec", "-d", "box", "sh", "-c", "echo bg > /tmp/bg; sleep 30").Success(t).StdoutIs(t, "")
	waitFor(t, func() bool { return s.docker(t, "exec", "box", "cat", "/tmp/bg").Stdout == "bg\n" })
	ids := strings.Fields(strings.Trim(s.docker(t, "inspect", "-f", "{{.ExecIDs}}", "box").Success(t).Stdout, "[]\n"))
	if len(ids) != 1 {
		t.Fatalf("ExecIDs %v, want the one detached session (ended ones are not listed)", ids)
	}
	var ins struct {
		Running       bool
		ExitCode      *int
		Pid           int
		ContainerID   string
		ProcessConfig struct {
			Entrypoint string   `json:"entrypoint"`
			Arguments  []string `json:"arguments"`
		}
	}
	if err := json.Unmarshal([]byte(s.expect(t, "GET", "/exec/"+ids[0]+"/json", "", 200)), &ins); err != nil {
		t.Fatal(err)
	}
	if !ins.Running || ins.ExitCode != nil || ins.Pid <= 0 || ins.ProcessConfig.Entrypoint != "sh" || len(ins.ProcessConfig.Arguments) != 2 {
		t.Errorf("exec inspect of a running session: %+v", ins)
	}
	// A session starts once; unknown sessions are 404.
	s.expect(t, "POST", "/exec/"+ids[0]+"/start", `{"Detach":true}`, 409, "already been started")
	s.expect(t, "GET", "/exec/nosuch/json", "", 404)
	s.expect(t, "POST", "/containers/box/exec", `{"Cmd":[]}`, 400, "no exec command")

	// top: the container's processes, docker's default and -o columns.
	s.docker(t, "top", "box").Success(t).StdoutContains(t, "PID", "sleep 300", "sleep 30")
	r = s.docker(t, "top", "box", "-o", "pid,comm").Success(t)
	if lines := strings.Split(strings.TrimSpace(r.Stdout), "\n"); len(lines) != 3 || strings.Fields(lines[0])[1] != "COMMAND" ||
		strings.Join(strings.Fields(lines[1]), " ") != "1 sleep" {
		t.Errorf("docker top -o pid,comm:\n%s", r.Stdout)
	}
	s.docker(t, "top", "box", "--sort", "pid").Exit(t, 1).StderrContains(t, "not supported")

	// A stopped container has no exec.
	s.docker(t, "stop", "-t", "0", "box").Success(t)
	s.docker(t, "exec", "box", "true").Exit(t, 1).StderrContains(t, "not running")
	s.docker(t, "exec", "nosuch", "true").Exit(t, 1).StderrContains(t, "nosuch")
	s.docker(t, "rm", "box").Success(t)
	assertNoLeftovers(t, e)
}

// docker exec -it on a terminal: the size follows the user's terminal,
// ctrl-p ctrl-q detaches and leaves the process running.
func TestAPIDockerExecTerminal(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)
	s.docker(t, "run", "-d", "--name", "box", TestImage, "sleep", "300").Success(t)

	p := startDockerPty(t, s, 30, 100, "exec", "-it", "box", "sh")
	at := p.expect(0, prompt)
	p.send("tty; stty size\r")
	at = p.expect(at, "/dev/pts/")
	at = p.expect(at, "30 100")
	p.resize(40, 120)
	time.Sleep(200 * time.Millisecond) // the CLI's SIGWINCH → POST /exec/ID/resize
	p.send("stty size\r")
	at = p.expect(at, "40 120")
	p.send("exit 4\r")
	if code := p.exitCode(); code != 4 {
		t.Fatalf("exec -it: exit code %d, want 4; screen:\n%s", code, p.out.String())
	}

	p = startDockerPty(t, s, 24, 80, "exec", "-it", "box", "sh", "-c", "echo ready; exec sleep 123")
	p.expect(0, "ready")
	// The docker CLI itself reports the detach, with status 1, as it
	// does against dockerd.
	p.send(ctrlP + ctrlQ)
	if code := p.exitCode(); code != 1 || !strings.Contains(p.out.String(), "read escape sequence") {
		t.Fatalf("detach from exec -it: exit code %d; screen:\n%s", code, p.out.String())
	}
	s.docker(t, "top", "box", "-o", "args").Success(t).StdoutContains(t, "sleep 123")

	s.docker(t, "rm", "-f", "box").Success(t)
	assertNoLeftovers(t, e)
}

// The Python SDK's exec_run (create, start, inspect).
func TestAPIPythonSDKExec(t *testing.T) {
	t.Parallel()
	if exec.Command("python3", "-c", "import docker").Run() != nil {
		t.Skip("no Python docker SDK here")
	}
	e := newImageEnv(t)
	s := startAPI(t, e)
	script := `
import docker
c = docker.DockerClient(base_url="unix://` + s.sock + `")
ctr = c.containers.run("` + TestImage + `", ["sleep", "300"], detach=True, name="sdk")
r = ctr.exec_run(["sh", "-c", "echo sdk; exit 2"]); print(r.exit_code, r.output.decode().strip())
r = ctr.exec_run(["sh", "-c", "echo $A"], environment={"A": "b"}, tty=True); print(r.exit_code, repr(r.output.decode()))
r = ctr.exec_run(["/no/such"]); print(r.exit_code)
print(ctr.top(ps_args="-o pid,comm")["Titles"])
ctr.remove(force=True)
`
	runCmd(t, "python3", "-c", script).Success(t).StdoutIs(t, "2 sdk\n0 'b\\r\\n'\n127\n['PID', 'COMMAND']")
	assertNoLeftovers(t, e)
}

// startDockerPty runs the docker CLI on a new pty of the given size, as a
// user's shell would (its own session, the pty as controlling terminal).
func startDockerPty(t *testing.T, s *apiService, rows, cols uint16, args ...string) *ptyProc {
	t.Helper()
	p := &ptyProc{t: t, args: append([]string{"docker"}, args...), done: make(chan struct{})}
	p.cmd = exec.Command("docker", args...)
	p.cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+s.sock, "DOCKER_CONFIG="+filepath.Join(s.e.Dir, "docker-config"))
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	ptmx, err := pty.StartWithAttrs(p.cmd, &pty.Winsize{Rows: rows, Cols: cols}, p.cmd.SysProcAttr)
	if err != nil {
		t.Fatalf("start docker %v on a pty: %v", args, err)
	}
	p.ptmx = ptmx
	copied := make(chan struct{})
	go func() {
		io.Copy(&p.out, ptmx)
		close(copied)
	}()
	go func() {
		p.err = p.cmd.Wait()
		select {
		case <-copied:
		case <-time.After(500 * time.Millisecond):
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = killGroup(p.cmd.Process)
		<-p.done
		ptmx.Close()
	})
	return p
}
