package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Limits of a parent cgroup (a pod's): zero means no limit.
type Limits struct {
	Memory    int64 // bytes
	CPUQuota  int64 // microseconds per CPUPeriod
	CPUPeriod int64
}

// SetParent creates the cgroup at path (relative to the hierarchy roots,
// e.g. "/berth/pod-<id>") with lim. The runtime creates the containers'
// cgroups inside it; a limit here bounds all of them together. Without
// limits nothing is created: the runtime makes the directories itself.
func SetParent(path string, lim Limits) error {
	if lim.Memory == 0 && lim.CPUQuota == 0 {
		return nil
	}
	if IsV2() {
		return setParentV2(path, lim)
	}
	if lim.Memory > 0 {
		if err := writeIn(filepath.Join(Root, "memory", path), "memory.limit_in_bytes", lim.Memory); err != nil {
			return err
		}
	}
	if lim.CPUQuota > 0 {
		dir := filepath.Join(Root, "cpu", path)
		if err := writeIn(dir, "cpu.cfs_period_us", lim.CPUPeriod); err != nil {
			return err
		}
		if err := writeIn(dir, "cpu.cfs_quota_us", lim.CPUQuota); err != nil {
			return err
		}
	}
	return nil
}

func setParentV2(path string, lim Limits) error {
	// Controllers must be enabled in every ancestor's subtree_control for
	// the limit files to exist.
	parts := strings.Split(strings.Trim(path, "/"), "/")
	dir := Root
	for _, p := range parts {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+memory +cpu"), 0o644); err != nil {
			return fmt.Errorf("enabling cgroup controllers in %s: %w", dir, err)
		}
		dir = filepath.Join(dir, p)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating cgroup %s: %w", dir, err)
		}
	}
	if lim.Memory > 0 {
		if err := os.WriteFile(filepath.Join(dir, "memory.max"), []byte(strconv.FormatInt(lim.Memory, 10)), 0o644); err != nil {
			return fmt.Errorf("setting memory.max of %s: %w", path, err)
		}
	}
	if lim.CPUQuota > 0 {
		v := fmt.Sprintf("%d %d", lim.CPUQuota, lim.CPUPeriod)
		if err := os.WriteFile(filepath.Join(dir, "cpu.max"), []byte(v), 0o644); err != nil {
			return fmt.Errorf("setting cpu.max of %s: %w", path, err)
		}
	}
	return nil
}

func writeIn(dir, file string, v int64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating cgroup %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte(strconv.FormatInt(v, 10)), 0o644); err != nil {
		return fmt.Errorf("setting %s of %s: %w", file, dir, err)
	}
	return nil
}

// ReadParentLimits returns the memory and CPU limits set on path (for
// inspect and tests); zero when none.
func ReadParentLimits(path string) Limits {
	if IsV2() {
		var l Limits
		l.Memory = int64(readUint(filepath.Join(Root, path, "memory.max")))
		return l
	}
	l := Limits{
		CPUQuota:  readInt(filepath.Join(Root, "cpu", path, "cpu.cfs_quota_us")),
		CPUPeriod: readInt(filepath.Join(Root, "cpu", path, "cpu.cfs_period_us")),
	}
	if m := readUint(filepath.Join(Root, "memory", path, "memory.limit_in_bytes")); m < 1<<62 {
		l.Memory = int64(m)
	}
	if l.CPUQuota < 0 {
		l.CPUQuota = 0
	}
	return l
}

func readInt(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// Remove removes the (empty) cgroup at path from every hierarchy; a
// missing one is not an error. Processes still inside keep it alive
// (EBUSY), which is reported.
func Remove(path string) error {
	if IsV2() {
		return rmdir(filepath.Join(Root, path))
	}
	entries, err := os.ReadDir(Root)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if !e.IsDir() { // symlinks such as cpu -> cpu,cpuacct are skipped
			continue
		}
		if err := rmdir(filepath.Join(Root, e.Name(), path)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func rmdir(dir string) error {
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing cgroup %s: %w", dir, err)
	}
	return nil
}
