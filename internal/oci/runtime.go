// Package oci drives an OCI runtime (runc or crun) through conmon.
//
// The protocol spoken to conmon 2.1.6 is documented in notes/conmon.md; the
// comments here cite its sections as "conmon.md §N".
package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNotExist is wrapped by errors of runtime operations on a container the
// runtime does not know.
var ErrNotExist = errors.New("no such container in the OCI runtime")

// ErrExists is wrapped when Create fails because the runtime already has a
// container with that ID. Create then leaves that container alone.
var ErrExists = errors.New("container already exists in the OCI runtime")

// ErrNotRunning is wrapped when the runtime refuses an operation because the
// container has no running process (for example kill after it exited).
var ErrNotRunning = errors.New("container is not running in the OCI runtime")

// fallbackDirs is searched for bare binary names after PATH: a PATH without
// /usr/sbin (common for non-login shells and systemd units) must still find
// /usr/sbin/runc.
const fallbackDirs = "/usr/sbin:/usr/bin:/sbin:/bin"

const defaultConmon = "/usr/bin/conmon"

// Config selects the binaries and the runtime state directory.
type Config struct {
	// RuntimePath is the OCI runtime: "" picks runc if present, else crun;
	// a bare name is looked up in PATH and the usual sbin/bin directories.
	RuntimePath string
	// ConmonPath is the conmon binary: "" means /usr/bin/conmon, or conmon
	// in PATH.
	ConmonPath string
	// StateRoot is passed as `--root DIR` to every runtime invocation so
	// that each berth run root keeps its own runtime state. "" leaves the
	// runtime's default.
	StateRoot string
}

// Runtime is a configured OCI runtime plus conmon. It holds no open
// resources; the zero value is not usable, use New.
type Runtime struct {
	name      string
	path      string
	conmon    string
	stateRoot string
}

// New resolves the binaries named in cfg. It only stats files; it spawns no
// process.
func New(ctx context.Context, cfg Config) (*Runtime, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rtPath string
	var err error
	if cfg.RuntimePath == "" {
		rtPath, err = findBinary("runc")
		if err != nil {
			rtPath, err = findBinary("crun")
		}
		if err != nil {
			return nil, fmt.Errorf("no OCI runtime found (looked for runc and crun): %w", err)
		}
	} else {
		rtPath, err = findBinary(cfg.RuntimePath)
		if err != nil {
			return nil, fmt.Errorf("OCI runtime %q: %w", cfg.RuntimePath, err)
		}
	}
	conmon := cfg.ConmonPath
	if conmon == "" {
		conmon = defaultConmon
		if !isExecutable(conmon) {
			conmon = "conmon"
		}
	}
	conmonPath, err := findBinary(conmon)
	if err != nil {
		return nil, fmt.Errorf("conmon %q: %w", conmon, err)
	}
	stateRoot := cfg.StateRoot
	if stateRoot != "" {
		if stateRoot, err = filepath.Abs(stateRoot); err != nil {
			return nil, fmt.Errorf("runtime state root: %w", err)
		}
	}
	return &Runtime{
		name:      runtimeName(rtPath),
		path:      rtPath,
		conmon:    conmonPath,
		stateRoot: stateRoot,
	}, nil
}

// Name is the runtime's short name: "runc" or "crun" (or the binary's base
// name for other runtimes).
func (r *Runtime) Name() string { return r.name }

// Path is the absolute path of the runtime binary.
func (r *Runtime) Path() string { return r.path }

// ConmonPath is the absolute path of the conmon binary.
func (r *Runtime) ConmonPath() string { return r.conmon }

// StateRoot is the runtime's --root directory ("" = runtime default).
func (r *Runtime) StateRoot() string { return r.stateRoot }

func runtimeName(path string) string {
	base := filepath.Base(path)
	switch {
	case strings.Contains(base, "crun"):
		return "crun"
	case strings.Contains(base, "runc"):
		return "runc"
	}
	return base
}

// findBinary resolves name to an absolute path of an executable file. Names
// containing a slash are used as given.
func findBinary(name string) (string, error) {
	if strings.ContainsRune(name, '/') {
		abs, err := filepath.Abs(name)
		if err != nil {
			return "", err
		}
		if !isExecutable(abs) {
			return "", fmt.Errorf("%s: not an executable file: %w", abs, fs.ErrNotExist)
		}
		return abs, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs, nil
		}
	}
	for _, dir := range filepath.SplitList(fallbackDirs) {
		p := filepath.Join(dir, name)
		if isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in PATH or %s: %w", name, fallbackDirs, fs.ErrNotExist)
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// globalArgs are the runtime flags placed before every subcommand.
func (r *Runtime) globalArgs() []string {
	args := make([]string, 0, 2)
	if r.stateRoot != "" {
		args = append(args, "--root="+r.stateRoot)
	}
	// runc and crun then print errors as JSON lines on stderr, which
	// runtimeError parses; other output (state, list) is unaffected.
	args = append(args, "--log-format=json")
	return args
}

// run executes `runtime <global args> args...` and returns its stdout. A
// failure carries the runtime's own error message.
func (r *Runtime) run(ctx context.Context, args ...string) ([]byte, error) {
	full := append(r.globalArgs(), args...)
	cmd := exec.CommandContext(ctx, r.path, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s %s: %w", r.name, args[0], ctxErr)
		}
		return nil, runtimeError(r.name, args[0], stderr.Bytes(), err)
	}
	return stdout.Bytes(), nil
}

// runtimeError builds an error from the runtime's stderr and classifies it.
func runtimeError(name, verb string, stderr []byte, runErr error) error {
	msg := lastErrorMessage(stderr)
	if msg == "" {
		msg = runErr.Error()
	}
	err := fmt.Errorf("%s %s: %s", name, verb, msg)
	if sentinel := classify(msg); sentinel != nil {
		return fmt.Errorf("%w: %w", err, sentinel)
	}
	return err
}

// classify maps the runtimes' message texts onto this package's sentinels.
// runc says "container does not exist" / "container not running"; crun says
// "error opening file `ROOT/ID/status`: No such file or directory".
// Classification by text is confined to this function: it is the runtime's
// protocol, and callers only see the sentinels.
func classify(msg string) error {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "does not exist"),
		strings.Contains(m, "not found"),
		strings.Contains(m, "no such file or directory"):
		return ErrNotExist
	case strings.Contains(m, "not running"):
		return ErrNotRunning
	}
	return nil
}

// isExistsMessage recognises a create refused because the ID is taken:
// runc "container with given ID already exists", crun "container `ID`
// already exists".
func isExistsMessage(msg, id string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "already exists") &&
		(strings.Contains(m, "container with given id") || strings.Contains(msg, "container `"+id+"`"))
}

// logLine is one line of `--log-format=json` output of runc and crun.
type logLine struct {
	Level string `json:"level"`
	Msg   string `json:"msg"`
}

// lastErrorMessage returns the message of the last error-level JSON log line
// in out, or the last non-empty plain line, trimmed to one line.
func lastErrorMessage(out []byte) string {
	var lastPlain, lastErr string
	for line := range bytes.SplitSeq(out, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var l logLine
		if line[0] == '{' && json.Unmarshal(line, &l) == nil && l.Msg != "" {
			if l.Level == "error" || l.Level == "fatal" || l.Level == "" {
				lastErr = l.Msg
			}
			continue
		}
		lastPlain = string(line)
	}
	if lastErr != "" {
		return oneLine(lastErr)
	}
	return oneLine(lastPlain)
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(s), " ")
}
