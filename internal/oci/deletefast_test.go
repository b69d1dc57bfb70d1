package oci

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A stopped runc container is deleted without runc: its cgroups and state
// directory go, and runc no longer knows it.
func TestDeleteStoppedRemovesCgroupsAndState(t *testing.T) {
	e := newTestEnv(t, false, "true")
	c := e.create(t)
	if err := e.rt.StartCreated(t.Context(), e.opts.ID, c.PID); err != nil {
		t.Fatal(err)
	}
	waitExit(t, e)
	dir := filepath.Join(e.rt.stateRoot, e.opts.ID)
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st runcState
	if err := json.Unmarshal(b, &st); err != nil || len(st.Cgroups) == 0 {
		t.Fatalf("state.json: %v, cgroups %v", err, st.Cgroups)
	}
	if !e.rt.deleteStopped(e.opts.ID) {
		t.Fatalf("deleteStopped refused a stopped container (init alive: %v)", ProcessAlive(st.InitPID, st.InitStart))
	}
	for name, p := range st.Cgroups {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("cgroup %s (%s) left: %v", name, p, err)
		}
	}
	if _, err := e.rt.State(t.Context(), e.opts.ID); !errors.Is(err, ErrNotExist) {
		t.Errorf("runc still knows the container: %v", err)
	}
	if !e.rt.knownAbsent(e.opts.ID) {
		t.Error("knownAbsent is false after the delete")
	}
	if err := e.rt.Delete(t.Context(), e.opts.ID, true); err != nil {
		t.Errorf("Delete of a deleted container: %v", err)
	}
}

// A live container is left to runc.
func TestDeleteStoppedRefusesLiveInit(t *testing.T) {
	e := newTestEnv(t, false, "sleep", "30")
	e.create(t)
	if e.rt.deleteStopped(e.opts.ID) {
		t.Fatal("deleteStopped took a container whose init is alive")
	}
	if err := e.rt.Delete(t.Context(), e.opts.ID, true); err != nil {
		t.Fatalf("Delete --force: %v", err)
	}
	waitExit(t, e)
}
