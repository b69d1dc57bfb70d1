package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// cmdTimeout bounds one engine command, so that a hung engine ends the
// figure instead of the benchmark.
const cmdTimeout = 2 * time.Minute

// engine is one container engine (berth or podman) with its own temporary
// root and run root, so the benchmark never touches the host's stores.
type engine struct {
	name    string // "berth" or "podman"
	bin     string
	dir     string // holds root, runroot and anything else of this engine
	global  []string
	env     []string
	rmFlags []string // extra flags for `rm -f`: podman waits 10 s otherwise
}

func newBerth(bin string) (*engine, error) {
	dir, err := makeTempDir("berth-bench-")
	if err != nil {
		return nil, err
	}
	return &engine{
		name: "berth",
		bin:  bin,
		dir:  dir,
		global: []string{
			"--root", filepath.Join(dir, "root"),
			"--runroot", filepath.Join(dir, "runroot"),
		},
		env: os.Environ(),
	}, nil
}

// newPodman isolates podman completely from the host's podman: its own
// storage, libpod tmpdir (state, events) and network config directory, and
// a containers.conf of ours (conf) instead of editing /etc/containers.
func newPodman(bin, conf string) (*engine, error) {
	dir, err := makeTempDir("podman-bench-")
	if err != nil {
		return nil, err
	}
	return &engine{
		name: "podman",
		bin:  bin,
		dir:  dir,
		global: []string{
			"--root", filepath.Join(dir, "root"),
			"--runroot", filepath.Join(dir, "runroot"),
			"--tmpdir", filepath.Join(dir, "tmp"),
			"--network-config-dir", filepath.Join(dir, "networks"),
			"--storage-driver", "overlay",
		},
		env:     append(os.Environ(), "CONTAINERS_CONF="+conf),
		rmFlags: []string{"-t", "0"},
	}, nil
}

// makeTempDir creates a directory for an engine, resolved, because the
// cleanup compares it with the resolved paths of /proc/self/mountinfo.
func makeTempDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(dir)
}

// run runs one engine command and returns its wall time (process start to
// exit, as a user would measure it) and its stdout.
func (e *engine) run(ctx context.Context, args ...string) (time.Duration, string, error) {
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, append(append([]string{}, e.global...), args...)...)
	cmd.Env = e.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A helper that keeps our pipes open must not stall the benchmark.
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil && !errors.Is(err, exec.ErrWaitDelay) {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:] // the last line says what went wrong
		}
		return d, stdout.String(), fmt.Errorf("%s %s: %w: %s", e.name, strings.Join(args, " "), err, msg)
	}
	return d, stdout.String(), nil
}

// version is the engine's own idea of its version, for the report.
func (e *engine) version(ctx context.Context) string {
	_, out, err := e.run(ctx, "version")
	if err != nil {
		return "unknown version"
	}
	for _, l := range strings.Split(out, "\n") {
		// "Version:      4.3.1" in podman's (and berth's) client section.
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "Version" {
			return strings.TrimSpace(v)
		}
	}
	return strings.TrimSpace(out)
}

// has reports whether the engine knows a subcommand (berth grows them one
// by one).
func (e *engine) has(ctx context.Context, sub string) bool {
	_, out, err := e.run(ctx, sub, "--help")
	return err == nil && strings.Contains(out, sub)
}

// load loads the archive and makes sure it is known as image.
func (e *engine) load(ctx context.Context, archive, image string) error {
	_, out, err := e.run(ctx, "load", "-i", archive)
	if err != nil {
		return err
	}
	// podman names an oci-archive after its ref.name annotation, which may
	// not be the full name the figures use: tag it if it came in otherwise.
	if _, _, err := e.run(ctx, "image", "inspect", image); err == nil {
		return nil
	}
	for _, l := range strings.Split(out, "\n") {
		if _, name, ok := strings.Cut(l, "Loaded image"); ok {
			name = strings.TrimSpace(strings.TrimLeft(name, "(s):"))
			if _, _, err := e.run(ctx, "tag", name, image); err != nil {
				return err
			}
			return nil
		}
	}
	return fmt.Errorf("%s load: image %s not found after load: %s", e.name, image, out)
}

// close removes everything the engine left: containers (through the engine,
// as a user would), then processes that still name its directory, mounts
// under it, and the directory itself.
func (e *engine) close() {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	args := append([]string{"rm", "-fa"}, e.rmFlags...)
	if _, _, err := e.run(ctx, args...); err != nil {
		fmt.Fprintf(os.Stderr, "cleanup: %v\n", err)
	}
	if err := killProcessesUnder(e.dir); err != nil {
		fmt.Fprintf(os.Stderr, "cleanup: %v\n", err)
	}
	if err := unmountUnder(e.dir); err != nil {
		fmt.Fprintf(os.Stderr, "cleanup: %v; leaving %s\n", err, e.dir)
		return
	}
	if err := os.RemoveAll(e.dir); err != nil {
		fmt.Fprintf(os.Stderr, "cleanup: %v\n", err)
	}
}
