package engine

import "errors"

// Sentinel errors. Every error the engine returns that a caller may want to
// act on wraps one of these; test with errors.Is. The CLI maps them to exit
// codes and the API service to HTTP status codes, each in one place.
var (
	ErrNoSuchCtr       = errors.New("no such container")
	ErrCtrExists       = errors.New("container already exists")
	ErrCtrStateInvalid = errors.New("container state improper")
	ErrCtrStopped      = errors.New("container is stopped") // also wraps ErrCtrStateInvalid
	ErrAmbiguous       = errors.New("more than one object matches")
	ErrNoSuchImage     = errors.New("no such image")
	ErrImageInUse      = errors.New("image is in use by a container")
	ErrNoSuchArtifact  = errors.New("no such artifact")
	ErrNoSuchPod       = errors.New("no such pod")
	ErrNoSuchVolume    = errors.New("no such volume")
	ErrVolumeExists    = errors.New("volume already exists")
	ErrVolumeInUse     = errors.New("volume is being used")
	ErrNoSuchNetwork   = errors.New("no such network")
	ErrNetworkExists   = errors.New("network already exists")
	ErrNetworkInUse    = errors.New("network is being used")
	ErrPortInUse       = errors.New("port is already in use")
	ErrInvalidArg      = errors.New("invalid argument")
	ErrNoSuchPath      = errors.New("no such file or directory in container")
	ErrTimeout         = errors.New("timed out")
	// ErrExecNotFound and ErrExecPermission classify a container command the
	// runtime could not run: docker and podman exit 127 and 126 for them.
	ErrExecNotFound   = errors.New("executable file not found")
	ErrExecPermission = errors.New("permission denied executing the container command")
	ErrRuntime        = errors.New("OCI runtime error")
	// ErrDetached ends an attachment the user left with the detach keys;
	// the container runs on.
	ErrDetached = errors.New("detached from the container")
	// ErrNoSuchExecSession: no exec session with that ID.
	ErrNoSuchExecSession = errors.New("no such exec session")
)

// stoppedError is "already stopped": it is both ErrCtrStopped and
// ErrCtrStateInvalid, so callers can ignore the harmless case precisely.
type stoppedError struct{ msg string }

func (e stoppedError) Error() string { return e.msg }
func (e stoppedError) Is(target error) bool {
	return target == ErrCtrStopped || target == ErrCtrStateInvalid
}

// Pod and namespace-sharing errors (issue #8).
var (
	ErrPodExists       = errors.New("pod already exists")
	ErrPodStateInvalid = errors.New("pod state improper")
	// ErrCtrHasDependents: other containers join this one's namespaces.
	ErrCtrHasDependents = errors.New("container has dependent containers")
)
