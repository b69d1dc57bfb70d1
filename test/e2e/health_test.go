package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHealthcheckStatusAndLog(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "hc", "--health-cmd", "test -f /tmp/ok && echo fine", "--health-interval", "1s",
		"--health-retries", "2", TestImage, "sh", "-c", "touch /tmp/ok; sleep 60").Success(t)
	e.Run("healthcheck", "run", "hc").Success(t).StdoutIs(t, "healthy")
	e.Run("ps", "--format", "{{.Status}}").Success(t).StdoutContains(t, "(healthy)")
	var health struct {
		Status        string
		FailingStreak int
		Log           []struct {
			ExitCode int
			Output   string
		}
	}
	if err := json.Unmarshal([]byte(e.Run("inspect", "--format", "{{json .State.Health}}", "hc").Success(t).Out()), &health); err != nil {
		t.Fatal(err)
	}
	if health.Status != "healthy" || len(health.Log) == 0 || strings.TrimSpace(health.Log[0].Output) != "fine" {
		t.Errorf("health = %+v", health)
	}
	// Break it: the scheduled checks (no user involved) turn it unhealthy.
	breakFile(t, e, "hc", "/tmp/ok")
	waitFor(t, func() bool {
		return e.Run("inspect", "--format", "{{.State.Health.Status}}", "hc").Out() == "unhealthy"
	})
	e.Run("healthcheck", "run", "hc").Exit(t, 1).StdoutIs(t, "unhealthy")
	e.Run("events", "--stream=false", "--filter", "event=health_status", "--format", "{{.Attributes.health_status}}").
		Success(t).StdoutContains(t, "healthy", "unhealthy")
	e.Run("healthcheck", "run", "nosuch").Exit(t, 125)
	e.Run("run", "-d", "--name", "nohc", TestImage, "sleep", "60").Success(t)
	e.Run("healthcheck", "run", "nohc").Exit(t, 125).StderrContains(t, "no healthcheck")
	e.Run("run", "--health-interval", "1s", TestImage, "true").Exit(t, 125).StderrContains(t, "--health-cmd")
	e.Run("run", "--health-cmd", "true", "--health-on-failure", "explode", TestImage, "true").Exit(t, 125)
}

// breakFile deletes path inside the running container through its rootfs
// mount on the host.
func breakFile(t *testing.T, e *Env, name, path string) {
	t.Helper()
	mp := e.Run("mount", name).Success(t).Out()
	if err := removeFile(filepath.Join(mp, path)); err != nil {
		t.Fatal(err)
	}
	e.Run("umount", name).Success(t)
}

// --health-on-failure=restart restarts an unhealthy container; between
// checks no berth process runs (only the timer's sh and sleep).
func TestHealthOnFailureRestartAndNoIdleBerth(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "sick", "--health-cmd", "false", "--health-interval", "1s", "--health-retries", "2",
		"--health-on-failure", "restart", "--stop-timeout", "1", TestImage, "sleep", "60").Success(t)
	// Sample the processes between checks: the only berth-related ones of
	// this Env are conmon and the timer (/bin/sh + sleep), never berth.
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		procs, _ := listProcs()
		for _, p := range procs {
			if len(p.args) > 0 && filepath.Base(p.args[0]) == filepath.Base(suite.binary) && argsMention(p.args, e.RunRoot) {
				if strings.Contains(strings.Join(p.args, " "), "healthcheck run") {
					continue // a check running right now
				}
				t.Errorf("berth process alive between checks: %v", p.args)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitFor(t, func() bool {
		return strings.Contains(e.Run("events", "--stream=false", "--filter", "event=restart", "--format", "{{.Name}}").Out(), "sick")
	})
	e.Run("stop", "-t", "0", "sick").Success(t)
	time.Sleep(200 * time.Millisecond)
	procs, _ := listProcs()
	for _, p := range procs {
		if argsMention(p.args, e.RunRoot) && strings.Contains(strings.Join(p.args, " "), "healthcheck") {
			t.Errorf("healthcheck timer survived stop: %v", p.args)
		}
	}
}
