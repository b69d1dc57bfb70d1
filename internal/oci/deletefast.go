package oci

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// runcState is the part of runc's state.json (libcontainer's State, the
// same JSON since runc 1.0) that deleting a stopped container needs.
type runcState struct {
	InitPID   int               `json:"init_process_pid"`
	InitStart uint64            `json:"init_process_start"`
	Cgroups   map[string]string `json:"cgroup_paths"`
	IntelRdt  string            `json:"intel_rdt_path"`
	Config    struct {
		Hooks map[string][]json.RawMessage `json:"Hooks"`
	} `json:"config"`
}

// deleteStopped removes a runc container whose init has exited the way
// `runc delete` does (its cgroups, then its state directory) without
// spawning runc, which costs ~10 ms of start-up. It reports false, having
// changed nothing, whenever the container is not plainly stopped: a live
// init, a cgroup that still has processes, poststop hooks, Intel RDT or a
// state file it does not understand. The caller then runs `runc delete`.
func (r *Runtime) deleteStopped(id string) bool {
	if r.name != "runc" || r.stateRoot == "" {
		return false
	}
	dir := filepath.Join(r.stateRoot, id)
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return false
	}
	var st runcState
	if err := json.Unmarshal(b, &st); err != nil || st.InitPID <= 0 || st.IntelRdt != "" {
		return false
	}
	for _, hooks := range st.Config.Hooks {
		if len(hooks) > 0 {
			return false // poststop hooks are runc's to run
		}
	}
	if ProcessAlive(st.InitPID, st.InitStart) {
		return false
	}
	for _, p := range st.Cgroups {
		if !strings.HasPrefix(p, "/sys/fs/cgroup/") {
			return false
		}
	}
	// An exited init whose cgroup still holds processes (a shared PID
	// namespace) needs runc's kill-and-retry: rmdir fails with EBUSY then.
	for _, p := range st.Cgroups {
		if err := unix.Rmdir(p); err != nil && !errors.Is(err, unix.ENOENT) {
			return false
		}
	}
	return os.RemoveAll(dir) == nil
}

// knownAbsent reports whether runc certainly has no container id: runc
// keeps one state directory per container under its root, so without it
// there is nothing to delete and no need to ask runc.
func (r *Runtime) knownAbsent(id string) bool {
	if r.name != "runc" || r.stateRoot == "" {
		return false
	}
	_, err := os.Lstat(filepath.Join(r.stateRoot, id))
	return errors.Is(err, os.ErrNotExist)
}
