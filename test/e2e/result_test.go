package e2e

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Result is one finished command, as the user saw it. Its assertion methods
// fail the test at once (t.Fatal, so call them from the test's goroutine)
// and return the Result, so that a check reads like the session:
//
//	id := e.Run("create", TestImage, "true").Success(t).Out()
//	e.Run("start", "nosuch").Exit(t, 125).StderrContains(t, "no such container")
type Result struct {
	Args     []string
	Stdout   string
	Stderr   string
	ExitCode int // -1 when the engine did not exit normally (signal, timeout)
	Duration time.Duration
	// Err is set when the command could not be run, timed out, or left its
	// output pipes open in a child process; a non-zero exit is not an Err.
	Err error
}

func (r *Result) setError(err, ctxErr error) {
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.Is(err, exec.ErrWaitDelay):
		// The engine exited 0 but a child kept stdout/stderr open.
		r.Err = fmt.Errorf("output pipes still open %v after exit (descriptor leaked to a child?): %w", pipeGrace, err)
	case errors.As(err, &exitErr):
		r.ExitCode = exitErr.ExitCode()
	default:
		r.ExitCode = -1
		r.Err = err
	}
	if r.Err == nil && ctxErr != nil {
		r.Err = fmt.Errorf("timed out: %w", ctxErr)
	}
}

// Out is stdout without surrounding white space: an ID, a name, one value.
func (r *Result) Out() string { return strings.TrimSpace(r.Stdout) }

// Lines is stdout split into lines, without trailing white space and
// without empty lines.
func (r *Result) Lines() []string {
	var lines []string
	for _, l := range strings.Split(r.Stdout, "\n") {
		if l = strings.TrimRight(l, " \t\r"); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// Success fails the test unless the command exited 0.
func (r *Result) Success(t *testing.T) *Result {
	t.Helper()
	if r.ExitCode != 0 || r.Err != nil {
		t.Fatalf("want success, got %s", r.describe())
	}
	return r
}

// Exit fails the test unless the command exited with code.
func (r *Result) Exit(t *testing.T, code int) *Result {
	t.Helper()
	if r.ExitCode != code || r.Err != nil {
		t.Fatalf("want exit %d, got %s", code, r.describe())
	}
	return r
}

// Failure fails the test unless the command exited non-zero on its own
// (a timeout or a crash of the harness is not the failure a test expects).
func (r *Result) Failure(t *testing.T) *Result {
	t.Helper()
	if r.ExitCode <= 0 || r.Err != nil {
		t.Fatalf("want failure, got %s", r.describe())
	}
	return r
}

// StdoutIs fails the test unless stdout, trimmed, is want (also trimmed).
func (r *Result) StdoutIs(t *testing.T, want string) *Result {
	t.Helper()
	if got := r.Out(); got != strings.TrimSpace(want) {
		t.Fatalf("stdout: want %q, got %q\n%s", strings.TrimSpace(want), got, r.describe())
	}
	return r
}

// StdoutContains fails the test unless stdout contains every one of want.
func (r *Result) StdoutContains(t *testing.T, want ...string) *Result {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.Stdout, w) {
			t.Fatalf("stdout does not contain %q\n%s", w, r.describe())
		}
	}
	return r
}

// StdoutLacks fails the test if stdout contains any one of unwanted.
func (r *Result) StdoutLacks(t *testing.T, unwanted ...string) *Result {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(r.Stdout, u) {
			t.Fatalf("stdout contains %q\n%s", u, r.describe())
		}
	}
	return r
}

// StderrContains fails the test unless stderr contains every one of want.
func (r *Result) StderrContains(t *testing.T, want ...string) *Result {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.Stderr, w) {
			t.Fatalf("stderr does not contain %q\n%s", w, r.describe())
		}
	}
	return r
}

// StderrEmpty fails the test if the command wrote anything on stderr.
func (r *Result) StderrEmpty(t *testing.T) *Result {
	t.Helper()
	if strings.TrimSpace(r.Stderr) != "" {
		t.Fatalf("stderr not empty\n%s", r.describe())
	}
	return r
}

// describe is the whole story of the command, for failure messages.
func (r *Result) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: exit %d after %v", formatArgs(r.Args), r.ExitCode, r.Duration.Round(time.Millisecond))
	if r.Err != nil {
		fmt.Fprintf(&b, " (%v)", r.Err)
	}
	fmt.Fprintf(&b, "\n--- stdout:\n%s\n--- stderr:\n%s", r.Stdout, r.Stderr)
	return b.String()
}
