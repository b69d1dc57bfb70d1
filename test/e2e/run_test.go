package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// newImageEnv is an Env with the test image loaded.
func newImageEnv(t *testing.T) *Env {
	t.Helper()
	e := NewEnv(t)
	e.LoadImage()
	return e
}

func TestRunForegroundOutputAndExitCodes(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)

	e.Run("run", "--rm", TestImage, "echo", "hello").Success(t).StdoutIs(t, "hello")

	r := e.Run("run", "--rm", TestImage, "sh", "-c", "echo out; echo err >&2; exit 3").Exit(t, 3)
	r.StdoutIs(t, "out")
	if strings.TrimSpace(r.Stderr) != "err" {
		t.Errorf("stderr = %q, want the container's stderr only", r.Stderr)
	}

	// Commands that cannot run: docker's and podman's 127 and 126.
	e.Run("run", "--rm", TestImage, "/no/such/binary").Exit(t, 127)
	e.Run("run", "--rm", TestImage, "/etc/passwd").Exit(t, 126)
	// Engine errors: 125.
	e.Run("run", "--rm", "localhost/no-such-image").Exit(t, 125).StderrContains(t, "Error:", "no-such-image")
	e.Run("run", "--bogus-flag", TestImage).Exit(t, 125)
	e.Run("run", "--rm", "--stop-signal", "SIGNOPE", TestImage, "true").Exit(t, 125).StderrContains(t, "SIGNOPE")

	// Nothing half-made was left by the failures (--rm removes them).
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
}

func TestRunConfigReachesTheProcess(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	envFile := filepath.Join(e.Dir, "env")
	if err := os.WriteFile(envFile, []byte("# comment\nFROM_FILE=yes\n\nOVERRIDE=file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hostDir := filepath.Join(e.Dir, "data")
	os.Mkdir(hostDir, 0o755)
	os.Chmod(hostDir, 0o777) // the process runs as uid 1000
	os.WriteFile(filepath.Join(hostDir, "in.txt"), []byte("from-host"), 0o644)

	script := `echo "$FOO $FROM_FILE $OVERRIDE $BERTH_TEST"; pwd; id -u; hostname; cat /data/in.txt; echo; ` +
		`echo written > /data/out.txt; touch /ro/x 2>/dev/null && echo ro-writable || echo ro-readonly`
	e.Run("run", "--rm", "-e", "FOO=bar", "--env-file", envFile, "-e", "OVERRIDE=flag",
		"-w", "/tmp", "-u", "1000", "--hostname", "boat",
		"-v", hostDir+":/data", "-v", hostDir+":/ro:ro",
		TestImage, "sh", "-c", script).Success(t).
		StdoutIs(t, "bar yes flag 1\n/tmp\n1000\nboat\nfrom-host\nro-readonly")
	if b, err := os.ReadFile(filepath.Join(hostDir, "out.txt")); string(b) != "written\n" {
		t.Errorf("bind mount write did not reach the host: %q %v", b, err)
	}

	// --entrypoint replaces the image's and drops its CMD.
	e.Run("run", "--rm", "--entrypoint", "echo", TestImage, "via", "entrypoint").Success(t).StdoutIs(t, "via entrypoint")
	e.Run("run", "--rm", "--entrypoint", `["sh","-c","echo json $0"]`, TestImage, "arg").Success(t).StdoutIs(t, "json arg")
	// The image's CMD is /bin/sh; with no stdin it exits 0 at once.
	e.Run("run", "--rm", TestImage).Success(t)

	// User name from the image's /etc/passwd.
	e.Run("run", "--rm", "-u", "berth", TestImage, "id", "-un").Success(t).StdoutIs(t, "berth")
	e.Run("run", "--rm", "-u", "nosuchuser", TestImage, "true").Exit(t, 125).StderrContains(t, "nosuchuser")

	// --read-only: the root is read-only, /tmp stays writable.
	e.Run("run", "--rm", "--read-only", TestImage, "sh", "-c",
		"touch /x 2>/dev/null && echo root-writable; touch /tmp/x && echo tmp-ok").Success(t).StdoutIs(t, "tmp-ok")
	// Missing bind source: clear error, nothing created.
	e.Run("run", "--rm", "-v", "/no/such/dir:/x", TestImage, "true").Exit(t, 125).StderrContains(t, "/no/such/dir")
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
}

func TestCapabilities(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	capEff := func(args ...string) string {
		a := append([]string{"run", "--rm"}, args...)
		a = append(a, TestImage, "sh", "-c", "grep CapEff /proc/self/status | cut -f2")
		return e.Run(a...).Success(t).Out()
	}
	def := capEff()
	// Default set: podman's 11 capabilities, 0x00000000800405fb.
	if def != "00000000800405fb" {
		t.Errorf("default CapEff = %s, want the engine default set 00000000800405fb", def)
	}
	if got := capEff("--cap-drop", "ALL"); got != "0000000000000000" {
		t.Errorf("--cap-drop ALL gave %s", got)
	}
	if got := capEff("--cap-add", "NET_ADMIN"); got == def {
		t.Errorf("--cap-add NET_ADMIN did not change the set (%s)", got)
	}
	if got := capEff("--cap-drop", "CHOWN"); got != "00000000800405fa" {
		t.Errorf("--cap-drop CHOWN gave %s", got)
	}
	if got := capEff("--privileged"); got == def {
		t.Errorf("--privileged did not widen the set (%s)", got)
	}
	e.Run("run", "--rm", "--cap-add", "NOT_A_CAP", TestImage, "true").Exit(t, 125).StderrContains(t, "NOT_A_CAP")
	// Default masking of /proc paths and the seccomp filter.
	e.Run("run", "--rm", TestImage, "sh", "-c", "grep Seccomp: /proc/self/status | cut -f2; wc -c < /proc/timer_list").
		Success(t).StdoutIs(t, "2\n0")
	e.Run("run", "--rm", "--privileged", TestImage, "sh", "-c", "grep Seccomp: /proc/self/status | cut -f2").
		Success(t).StdoutIs(t, "0")

	// --security-opt: seccomp=unconfined, a profile file, no-new-privileges.
	e.Run("run", "--rm", "--security-opt", "seccomp=unconfined", TestImage, "sh", "-c", "grep Seccomp: /proc/self/status | cut -f2").
		Success(t).StdoutIs(t, "0")
	profile := filepath.Join(e.Dir, "deny-mkdir.json")
	os.WriteFile(profile, []byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}`), 0o644)
	e.Run("run", "--rm", "--security-opt", "seccomp="+profile, TestImage, "sh", "-c", "mkdir /tmp/d 2>/dev/null && echo made || echo denied").
		Success(t).StdoutIs(t, "denied")
	e.Run("run", "--rm", "--security-opt", "no-new-privileges", TestImage, "sh", "-c", "grep NoNewPrivs: /proc/self/status | cut -f2").
		Success(t).StdoutIs(t, "1")
	e.Run("run", "--rm", "--security-opt", "bogus=1", TestImage, "true").Exit(t, 125).StderrContains(t, "bogus")
	e.Run("run", "--rm", "--security-opt", "seccomp=/no/such.json", TestImage, "true").Exit(t, 125).StderrContains(t, "/no/such.json")
}

func TestRunDetachedLogsInspect(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	id := e.Run("run", "-d", "--name", "web", "-l", "tier=front", "--annotation", "a.b=c",
		TestImage, "sh", "-c", "echo one; echo two >&2; sleep 60").Success(t).Out()
	if len(id) != 64 {
		t.Fatalf("run -d printed %q, want a 64-hex ID", id)
	}
	e.Run("inspect", "--format", "{{.State.Status}} {{.Name}} {{.Config.Labels.tier}} {{.Config.Annotations}}", "web").
		Success(t).StdoutIs(t, "running web front map[a.b:c]")
	e.Run("inspect", "--format", "{{.State.Pid}}", id[:12]).Success(t)
	waitFor(t, func() bool { return strings.Contains(e.Run("logs", "web").Stdout, "one") })
	r := e.Run("logs", "web").Success(t)
	if r.Out() != "one" || strings.TrimSpace(r.Stderr) != "two" {
		t.Errorf("logs: stdout %q stderr %q", r.Stdout, r.Stderr)
	}
	e.Run("logs", "--tail", "1", "web").Success(t)
	ts := e.Run("logs", "-t", "web").Success(t).Out()
	if !strings.Contains(ts, "T") || !strings.HasSuffix(ts, " one") {
		t.Errorf("logs -t = %q, want a timestamp prefix", ts)
	}
	e.Run("logs", "--since", "1h", "web").Success(t).StdoutIs(t, "one")
	e.Run("logs", "--until", "2000-01-01T00:00:00Z", "web").Success(t).StdoutIs(t, "")
	e.Run("run", "-d", "--name", "web", TestImage, "true").Exit(t, 125).StderrContains(t, "already in use")
	e.Run("rm", "web").Exit(t, 2).StderrContains(t, "running")
	e.Run("rm", "-f", "web").Success(t).StdoutIs(t, "web")
	e.Run("inspect", "web").Exit(t, 125).StderrContains(t, "no such object")
}

func TestLogsFollowEndsWithContainer(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "f", TestImage, "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.3; done").Success(t)
	r := e.Run("logs", "-f", "f").Success(t)
	r.StdoutIs(t, "line1\nline2\nline3")
}

// The run root lives in memory (a tmpfs berth mounts when it finds it
// empty on disk), and a --rm container keeps its log there: `logs` works
// while it runs, and nothing of it stays on disk after.
func TestRunRootInMemory(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	var st unix.Statfs_t
	if err := unix.Statfs(e.RunRoot, &st); err != nil || st.Type != unix.TMPFS_MAGIC {
		t.Fatalf("run root %s is not a tmpfs (type %#x, %v)", e.RunRoot, st.Type, err)
	}
	e.Run("run", "-d", "--rm", "--name", "brief", TestImage, "sh", "-c", "echo from brief; sleep 60").Success(t)
	logPath := e.Run("inspect", "--format", "{{.LogPath}}", "brief").Success(t).Out()
	if !strings.HasPrefix(logPath, e.RunRoot+"/") {
		t.Errorf("log of a --rm container at %s, want under the run root %s", logPath, e.RunRoot)
	}
	waitFor(t, func() bool { return e.Run("logs", "brief").Stdout == "from brief\n" })
	e.Run("rm", "-f", "brief").Success(t)
	if _, err := os.Stat(filepath.Dir(logPath)); !os.IsNotExist(err) {
		t.Errorf("log directory of the removed container: %v", err)
	}
	// A container without --rm keeps its log on disk, under the root.
	e.Run("create", "--name", "kept", TestImage, "true").Success(t)
	if p := e.Run("inspect", "--format", "{{.LogPath}}", "kept").Success(t).Out(); !strings.HasPrefix(p, e.Root+"/") {
		t.Errorf("log of a kept container at %s, want under the root %s", p, e.Root)
	}
}
