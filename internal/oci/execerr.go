package oci

import (
	"fmt"
	"strings"
)

// The container's command could not be run: runc reports it as text from
// its create (or exec) step, e.g. `exec: "nope": executable file not found
// in $PATH` or `exec: "/etc/passwd": permission denied`. docker and podman
// turn these into exit codes 127 and 126, so the engine needs the class.
var (
	ErrExecNotFound   = fmt.Errorf("executable file not found")
	ErrExecPermission = fmt.Errorf("permission denied")
)

// classifyExec wraps err with ErrExecNotFound or ErrExecPermission when the
// runtime's message says the container command could not be executed.
func classifyExec(err error, msg string) error {
	m := strings.ToLower(msg)
	if !strings.Contains(m, "exec:") && !strings.Contains(m, "exec failed") && !strings.Contains(m, "executable") {
		return err
	}
	switch {
	case strings.Contains(m, "executable file not found"), strings.Contains(m, "no such file or directory"):
		return fmt.Errorf("%w: %w", err, ErrExecNotFound)
	case strings.Contains(m, "permission denied"), strings.Contains(m, "is a directory"):
		return fmt.Errorf("%w: %w", err, ErrExecPermission)
	}
	return err
}
