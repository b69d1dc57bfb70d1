package oci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"syscall"
)

// State is a container's state as the runtime reports it.
type State struct {
	ID string `json:"id"`
	// Status is the runtime's word: created, running, paused or stopped.
	Status string `json:"status"`
	// PID is the container init's PID in the host PID namespace (0 once
	// stopped).
	PID int `json:"pid"`
}

// Start runs `runtime start ID`: the created container's process execs its
// program.
func (r *Runtime) Start(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	_, err := r.run(ctx, "start", id)
	return err
}

// Kill sends sig to the container's init process, or to every process in
// the container when all is set. ErrNotRunning is wrapped when the
// container already stopped.
func (r *Runtime) Kill(ctx context.Context, id string, sig syscall.Signal, all bool) error {
	if err := checkID(id); err != nil {
		return err
	}
	if sig <= 0 {
		return fmt.Errorf("kill %s: invalid signal %d", id, int(sig))
	}
	args := []string{"kill"}
	if all {
		args = append(args, "--all")
	}
	args = append(args, id, strconv.Itoa(int(sig)))
	_, err := r.run(ctx, args...)
	return err
}

// Delete removes the container from the runtime. force also kills a running
// container first. A container the runtime does not know is not an error.
func (r *Runtime) Delete(ctx context.Context, id string, force bool) error {
	if err := checkID(id); err != nil {
		return err
	}
	if r.deleteStopped(id) || r.knownAbsent(id) {
		return nil
	}
	args := []string{"delete"}
	if force {
		args = append(args, "--force")
	}
	args = append(args, id)
	_, err := r.run(ctx, args...)
	if errors.Is(err, ErrNotExist) {
		return nil
	}
	return err
}

// Pause freezes all processes of the container.
func (r *Runtime) Pause(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	_, err := r.run(ctx, "pause", id)
	return err
}

// Resume thaws a paused container.
func (r *Runtime) Resume(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	_, err := r.run(ctx, "resume", id)
	return err
}

// State asks the runtime for one container's state. ErrNotExist is wrapped
// when the runtime does not know id.
func (r *Runtime) State(ctx context.Context, id string) (State, error) {
	if err := checkID(id); err != nil {
		return State{}, err
	}
	out, err := r.run(ctx, "state", id)
	if err != nil {
		return State{}, err
	}
	var st State
	if err := json.Unmarshal(out, &st); err != nil {
		return State{}, fmt.Errorf("%s state %s: decoding output: %w", r.name, id, err)
	}
	return st, nil
}

// List returns the states of all containers under the runtime's state root.
func (r *Runtime) List(ctx context.Context) ([]State, error) {
	out, err := r.run(ctx, "list", "--format", "json")
	if err != nil {
		return nil, err
	}
	// runc prints "null" for no containers, crun an empty array.
	var states []State
	if err := json.Unmarshal(out, &states); err != nil {
		return nil, fmt.Errorf("%s list: decoding output: %w", r.name, err)
	}
	return states, nil
}
