package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// RunProcess runs p inside container id with `runtime exec`, without
// conmon, and returns its combined output and exit code. It is for short
// engine-driven commands such as health checks. When ctx ends the process
// is killed inside the container (not just the runtime client), using the
// pid the runtime records; dir holds the process and pid files.
func (r *Runtime) RunProcess(ctx context.Context, id, dir string, p *rspec.Process) ([]byte, int, error) {
	if err := checkID(id); err != nil {
		return nil, -1, err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, -1, err
	}
	spec, err := os.CreateTemp(dir, "process-*.json")
	if err != nil {
		return nil, -1, err
	}
	defer os.Remove(spec.Name())
	_, werr := spec.Write(b)
	if cerr := spec.Close(); werr != nil || cerr != nil {
		return nil, -1, errors.Join(werr, cerr)
	}
	pidFile := strings.TrimSuffix(spec.Name(), ".json") + ".pid"
	defer os.Remove(pidFile)

	args := append(r.globalArgs(), "exec", "--process", spec.Name(), "--pid-file", pidFile, id)
	cmd := exec.Command(r.path, args...) // not CommandContext: ctx ends the process below
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, -1, fmt.Errorf("%s exec: %w", r.name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		killRecorded(pidFile)
		cmd.Process.Kill()
		<-done
		return out.Bytes(), -1, fmt.Errorf("%s exec: %w", r.name, ctx.Err())
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return out.Bytes(), 0, nil
	case errors.As(err, &exitErr):
		return out.Bytes(), exitErr.ExitCode(), nil
	}
	return out.Bytes(), -1, fmt.Errorf("%s exec: %w", r.name, err)
}

// killRecorded SIGKILLs the process whose pid the runtime wrote.
func killRecorded(pidFile string) {
	b, err := os.ReadFile(filepath.Clean(pidFile))
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}
