package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	rspec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berthproject/berth/engine/spec"
)

// Healthchecks without a daemon or systemd. A check is `berth healthcheck
// run`: it runs the test inside the container with the OCI runtime's exec,
// records the result, and arms the next check as a detached
// `sh -c 'sleep N && exec berth ... healthcheck run --scheduled TOKEN ID'`.
// Between checks only that sh and its sleep exist (no berth process, no
// CPU); stopping or removing the container kills them, and a timer whose
// token is no longer the container's current one does nothing.

// Health statuses, docker's words.
const (
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// maxHealthLog is how many results inspect keeps, as docker does.
const maxHealthLog = 5

// HealthState is the Health block of the state (and of inspect).
type HealthState struct {
	Status        string      `json:"Status"`
	FailingStreak int         `json:"FailingStreak"`
	Log           []HealthLog `json:"Log"`
}

// HealthLog is one check's result.
type HealthLog struct {
	Start    time.Time `json:"Start"`
	End      time.Time `json:"End"`
	ExitCode int       `json:"ExitCode"`
	Output   string    `json:"Output"`
}

// healthTimer identifies the sleeping process that runs the next check.
type healthTimer struct {
	PID   int    `json:"pid"`
	Token string `json:"token"`
}

func (c *Container) healthcheck() (spec.Healthcheck, bool) {
	h := c.config.Spec.Healthcheck
	if !h.Enabled() {
		return spec.Healthcheck{}, false
	}
	return h.WithDefaults(), true
}

// armHealthTimer starts the sleeper for the next check after delay and
// records it in the state (the caller saves).
func (l *Locked) armHealthTimer(delay time.Duration) error {
	c := l.c
	token := make([]byte, 8)
	if _, err := rand.Read(token); err != nil {
		return err
	}
	tok := hex.EncodeToString(token)
	argv := append(append([]string{}, c.r.opts.CleanupCommand...), "healthcheck", "run", "--scheduled", tok, c.config.ID)
	secs := strconv.FormatFloat(delay.Seconds(), 'f', 3, 64)
	cmd := exec.Command("/bin/sh", append([]string{"-c", `sleep "$0" && exec "$@"`, secs}, argv...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("arming healthcheck timer: %w", err)
	}
	c.state.HealthTimer = &healthTimer{PID: cmd.Process.Pid, Token: tok}
	// Not waited for: it outlives this process, reparented to init.
	return cmd.Process.Release()
}

// disarmHealthTimer kills the sleeping timer, if it is still ours.
func (l *Locked) disarmHealthTimer() {
	t := l.c.state.HealthTimer
	if t == nil {
		return
	}
	l.c.state.HealthTimer = nil
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", t.PID))
	if err == nil && strings.Contains(string(b), t.Token) {
		syscall.Kill(-t.PID, syscall.SIGKILL) // the sh leads its session and group
	}
}

// startHealth begins health tracking when the container starts.
func (l *Locked) startHealth() error {
	h, ok := l.c.healthcheck()
	if !ok {
		return nil
	}
	l.disarmHealthTimer()
	l.c.state.Health = &HealthState{Status: HealthStarting, Log: []HealthLog{}}
	return l.armHealthTimer(h.Interval)
}

// RunHealthcheck runs the container's healthcheck once and returns the
// resulting status. scheduled is the timer token when a timer calls it:
// a stale timer (container stopped, restarted, or re-armed) does nothing
// and returns "".
func (c *Container) RunHealthcheck(ctx context.Context, scheduled string) (string, error) {
	h, ok := c.healthcheck()
	if !ok {
		return "", fmt.Errorf("container %s has no healthcheck: %w", c.config.Name, ErrInvalidArg)
	}
	var proc *rspec.Process
	err := c.Batch(ctx, func(l *Locked) error {
		if scheduled != "" && (c.state.HealthTimer == nil || c.state.HealthTimer.Token != scheduled || !c.state.running()) {
			return errStaleTimer
		}
		if c.state.Status != StatusRunning {
			return c.invalidState("run its healthcheck")
		}
		var err error
		proc, err = c.healthProcess(h)
		return err
	})
	if err == errStaleTimer {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	rt, err := c.r.ociRuntime(ctx)
	if err != nil {
		return "", err
	}
	start := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, h.Timeout)
	out, code, runErr := rt.RunProcess(runCtx, c.config.ID, c.r.bundleDir(c.config.ID), proc)
	cancel()
	result := HealthLog{Start: start, End: time.Now(), ExitCode: code, Output: truncateOutput(out)}
	if runErr != nil {
		result.ExitCode, result.Output = -1, runErr.Error()
		if runCtx.Err() != nil {
			result.Output = fmt.Sprintf("healthcheck timed out after %v", h.Timeout)
		}
	}
	var status string
	err = c.Batch(context.WithoutCancel(ctx), func(l *Locked) error {
		var err error
		status, err = l.recordHealth(ctx, h, result, scheduled != "")
		return err
	})
	return status, err
}

var errStaleTimer = fmt.Errorf("stale healthcheck timer")

// healthProcess is the container's own process (user, env, cwd, caps from
// its config.json) with the healthcheck's command line.
func (c *Container) healthProcess(h spec.Healthcheck) (*rspec.Process, error) {
	b, err := os.ReadFile(filepath.Join(c.r.bundleDir(c.config.ID), "config.json"))
	if err != nil {
		return nil, fmt.Errorf("reading the container's config: %w", err)
	}
	var s rspec.Spec
	if err := json.Unmarshal(b, &s); err != nil || s.Process == nil {
		return nil, fmt.Errorf("reading the container's config: %v", err)
	}
	p := *s.Process
	p.Args, p.Terminal, p.ConsoleSize = h.Args(), false, nil
	return &p, nil
}

// recordHealth stores a result, applies the retries and start period,
// emits health_status on a change, acts on failure and re-arms the timer.
func (l *Locked) recordHealth(ctx context.Context, h spec.Healthcheck, r HealthLog, rearm bool) (string, error) {
	c := l.c
	hs := c.state.Health
	if hs == nil {
		hs = &HealthState{Status: HealthStarting}
		c.state.Health = hs
	}
	hs.Log = append(hs.Log, r)
	if len(hs.Log) > maxHealthLog {
		hs.Log = hs.Log[len(hs.Log)-maxHealthLog:]
	}
	before := hs.Status
	inStartPeriod := h.StartPeriod > 0 && r.Start.Sub(c.state.StartedAt) < h.StartPeriod
	switch {
	case r.ExitCode == 0:
		hs.Status, hs.FailingStreak = HealthHealthy, 0
	case inStartPeriod:
		// Failures while the application starts do not count.
	default:
		hs.FailingStreak++
		if hs.FailingStreak >= h.Retries {
			hs.Status = HealthUnhealthy
		}
	}
	if !c.state.running() {
		return hs.Status, c.saveState(ctx)
	}
	if rearm {
		if err := l.armHealthTimer(h.Interval); err != nil {
			return hs.Status, err
		}
	}
	if err := c.saveState(ctx); err != nil {
		return hs.Status, err
	}
	if hs.Status != before {
		c.emit("health_status", "health_status", hs.Status)
	}
	if hs.Status == HealthUnhealthy && before != HealthUnhealthy {
		return hs.Status, l.onHealthFailure(ctx, h.OnFailure)
	}
	return hs.Status, nil
}

// onHealthFailure applies --health-on-failure.
func (l *Locked) onHealthFailure(ctx context.Context, action string) error {
	switch action {
	case "kill":
		return l.Kill(ctx, syscall.SIGKILL)
	case "stop":
		return l.Stop(ctx, nil)
	case "restart":
		return l.Restart(ctx, nil)
	}
	return nil
}

func truncateOutput(b []byte) string {
	const max = 4096
	if len(b) > max {
		b = b[:max]
	}
	return string(b)
}
