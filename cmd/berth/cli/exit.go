package cli

import (
	"errors"

	"github.com/berthproject/berth/engine"
)

// Exit codes shared by docker and podman.
const (
	ExitEngine       = 125 // the engine failed (bad flag, no such container, ...)
	ExitCannotInvoke = 126 // the container command exists but cannot run
	ExitCmdNotFound  = 127 // the container command does not exist
)

// ExitError carries a container's own exit code out of a command; it is
// not printed.
type ExitError struct{ Code int }

func (e ExitError) Error() string { return "container exited" }

// UsageError marks bad command-line input.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// ExitCode maps an error to the process exit code, in one place.
func ExitCode(err error) int {
	var ee ExitError
	var ce CodedError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ce):
		return ce.Code
	case errors.Is(err, engine.ErrExecNotFound):
		return ExitCmdNotFound
	case errors.Is(err, engine.ErrExecPermission):
		return ExitCannotInvoke
	}
	return ExitEngine
}

// CodedError is an error printed like any other but exiting with Code,
// for the commands whose man pages document their own exit statuses.
type CodedError struct {
	Code int
	Err  error
}

func (e CodedError) Error() string { return e.Err.Error() }
func (e CodedError) Unwrap() error { return e.Err }
