package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// combined runs berth with stdout and stderr into one pipe, as a terminal
// shows them, and returns what was written.
func (e *Env) combined(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	cmd := e.Command(ctx, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v: %s", formatArgs(args), err, out.String())
	}
	return out.String()
}

func TestLogsStreamsInOrder(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "c", TestImage, "sh", "-c",
		"echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; echo out2; sleep 0.1; echo err2 >&2").Success(t)
	e.Run("wait", "c").Success(t)

	// Each stream to its own file descriptor...
	r := e.Run("logs", "c").Success(t).StdoutIs(t, "out1\nout2")
	if r.Stderr != "err1\nerr2\n" {
		t.Errorf("logs stderr = %q", r.Stderr)
	}
	// ...and in the order they were written.
	if got := e.combined(t, "logs", "c"); got != "out1\nerr1\nout2\nerr2\n" {
		t.Errorf("logs interleaved = %q", got)
	}
	// --tail counts lines of both streams; -n is --names.
	if got := e.combined(t, "logs", "--tail", "2", "c"); got != "out2\nerr2\n" {
		t.Errorf("logs --tail 2 = %q", got)
	}
	e.Run("logs", "--tail", "0", "c").Success(t).StdoutIs(t, "")
	e.Run("logs", "-n", "--tail", "1", "c").Success(t).StdoutIs(t, "")
	if got := e.combined(t, "logs", "-n", "--tail", "1", "c"); got != "c err2\n" {
		t.Errorf("logs -n = %q", got)
	}
	// -t: an RFC 3339 time before each line, in the range --since/--until
	// select.
	ts := e.Run("logs", "-t", "c").Success(t).Lines()
	if len(ts) != 2 || !strings.HasSuffix(ts[0], " out1") {
		t.Fatalf("logs -t = %q", ts)
	}
	stamp := strings.Fields(ts[1])[0]
	when, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		t.Fatalf("logs -t stamp %q: %v", stamp, err)
	}
	e.Run("logs", "--since", stamp, "c").Success(t).StdoutIs(t, "out2")
	e.Run("logs", "--until", when.Add(-time.Nanosecond).Format(time.RFC3339Nano), "c").Success(t).StdoutIs(t, "out1")
	e.Run("logs", "--since", "10m", "c").Success(t).StdoutIs(t, "out1\nout2")
	e.Run("logs", "--until", "10m", "c").Success(t).StdoutIs(t, "")
	e.Run("logs", "--since", "yesterday-ish", "c").Exit(t, 125).StderrContains(t, "--since")
	e.Run("logs", "--tail", "-3", "c").Exit(t, 125)
	e.Run("logs", "nosuch").Exit(t, 125)
}

func TestLogsSeveralContainers(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "--name", "a", TestImage, "echo", "from-a").Success(t)
	e.Run("run", "--name", "b", TestImage, "echo", "from-b").Success(t)
	e.Run("logs", "a", "b").Success(t).StdoutIs(t, "a from-a\nb from-b")
	// A missing one fails before anything is printed.
	e.Run("logs", "a", "nosuch").Exit(t, 125).StdoutIs(t, "")

	// Following several at once, until all stopped.
	e.Run("run", "-d", "--name", "x", TestImage, "sh", "-c", "echo x1; sleep 1; echo x2").Success(t)
	e.Run("run", "-d", "--name", "y", TestImage, "sh", "-c", "echo y1; sleep 2; echo y2").Success(t)
	r := e.Run("logs", "-f", "x", "y").Success(t)
	for _, want := range []string{"x x1", "x x2", "y y1", "y y2"} {
		if !strings.Contains(r.Stdout, want+"\n") {
			t.Errorf("logs -f x y lacks %q:\n%s", want, r.Stdout)
		}
	}
}

func TestLogsFollowAcrossRestart(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "c", TestImage, "sh", "-c", "echo started; sleep 1000").Success(t)

	p := e.Start("logs", "-f", "c")
	p.WaitStdout(t, "started", 20*time.Second)
	e.Run("restart", "-t", "0", "c").Success(t)
	waitFor(t, func() bool { return strings.Count(p.Stdout(), "started") == 2 })
	if p.Exited() {
		t.Fatalf("logs -f ended with the restart: %q", p.Stdout())
	}
	// A stop ends following.
	e.Run("stop", "-t", "0", "c").Success(t)
	p.Wait(t).Success(t).StdoutIs(t, "started\nstarted")

	// Following a container that is still being written to.
	e.Run("run", "-d", "--name", "w", TestImage, "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.3; done").Success(t)
	e.Run("logs", "-f", "w").Success(t).StdoutIs(t, "line1\nline2\nline3")
}
