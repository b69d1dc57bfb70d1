package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/state"
)

// After a reboot the run root is empty (or, when it is not a tmpfs, holds a
// marker with an old boot ID) while the database may still say containers
// run. The first command after boot resets those states before anything
// else, under a runtime-wide lock so that concurrent first commands do it
// once.

const aliveMarker = "alive"

func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func (r *Runtime) markerCurrent() bool {
	b, err := os.ReadFile(filepath.Join(r.opts.RunRoot, aliveMarker))
	return err == nil && string(b) == bootID()
}

func (r *Runtime) refreshAfterReboot(ctx context.Context) error {
	if r.markerCurrent() {
		return nil
	}
	l, err := r.locks.Lock(ctx, "runtime-refresh")
	if err != nil {
		return err
	}
	defer l.Unlock()
	if r.markerCurrent() {
		return nil
	}
	now := time.Now()
	var restart []string
	err = r.db.RewriteStates(ctx, func(c state.Container) ([]byte, bool, error) {
		var st ContainerState
		if err := json.Unmarshal(c.State, &st); err != nil {
			return nil, false, fmt.Errorf("container %s: corrupt state: %w", c.ID, err)
		}
		wasUp := st.running()
		if !st.resetForBoot(now) {
			return nil, false, nil
		}
		if wasUp && bootRestarts(c.Config, &st) {
			restart = append(restart, c.ID)
		}
		b, err := json.Marshal(&st)
		return b, true, err
	})
	if err != nil {
		return fmt.Errorf("resetting container states after reboot: %w", err)
	}
	// Nothing mounted or running survives a reboot; stale exit files and
	// bundles from a non-tmpfs run root would only confuse later commands.
	for _, d := range []string{r.exitDir(), filepath.Join(r.opts.RunRoot, "ctr")} {
		if err := os.RemoveAll(d); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.MkdirAll(r.exitDir(), 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(r.opts.RunRoot, aliveMarker+".tmp")
	if err := os.WriteFile(tmp, []byte(bootID()), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(r.opts.RunRoot, aliveMarker)); err != nil {
		return err
	}
	// What ran with restart policy always (or unless-stopped) before the
	// reboot runs again: berth has no boot service, so the first command
	// after a boot does what docker's daemon start would.
	l.Unlock()
	r.startAfterBoot(ctx, restart)
	return nil
}

// bootRestarts reports whether a container that was up before a reboot
// comes back: policy always, or unless-stopped without a user's stop.
func bootRestarts(cfgJSON []byte, st *ContainerState) bool {
	var cfg ContainerConfig
	if json.Unmarshal(cfgJSON, &cfg) != nil {
		return false
	}
	switch cfg.Spec.RestartPolicy {
	case spec.RestartAlways:
		return true
	case spec.RestartUnlessStopped:
		return !st.StoppedByUser
	}
	return false
}
