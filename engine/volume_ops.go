package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/berthproject/berth/internal/archive"
	"github.com/berthproject/berth/internal/volume"
)

// VolumeInspect is what `volume inspect` shows; the fields are podman's
// (a superset of docker's), so templates written for either work.
type VolumeInspect struct {
	Name        string            `json:"Name"`
	Driver      string            `json:"Driver"`
	Mountpoint  string            `json:"Mountpoint"`
	CreatedAt   time.Time         `json:"CreatedAt"`
	Labels      map[string]string `json:"Labels"`
	Scope       string            `json:"Scope"`
	Options     map[string]string `json:"Options"`
	Anonymous   bool              `json:"Anonymous,omitempty"`
	MountCount  uint              `json:"MountCount"`
	NeedsCopyUp bool              `json:"NeedsCopyUp,omitempty"`
	// InUse is not a podman field; `volume ls` uses it for dangling.
	InUse int `json:"-"`
}

// Inspect describes the volume.
func (v *Volume) Inspect() VolumeInspect {
	labels, opts := v.cfg.Labels, v.cfg.Options
	if labels == nil {
		labels = map[string]string{}
	}
	if opts == nil {
		opts = map[string]string{}
	}
	return VolumeInspect{
		Name: v.cfg.Name, Driver: v.cfg.Driver, Mountpoint: v.Mountpoint(), CreatedAt: v.cfg.CreatedAt,
		Labels: labels, Scope: "local", Options: opts, Anonymous: v.cfg.Anonymous, NeedsCopyUp: v.cfg.NeedsCopyUp,
	}
}

// ListVolumes returns the volumes matching every filter: name=, label=KEY
// or KEY=VALUE, driver=, dangling=true|false, anonymous=true|false, opt=.
// Several values of one key are alternatives (as in podman).
func (r *Runtime) ListVolumes(ctx context.Context, filters []string) ([]VolumeInspect, error) {
	fs := map[string][]string{}
	for _, f := range filters {
		k, val, ok := strings.Cut(f, "=")
		if !ok || val == "" && k != "label" {
			return nil, fmt.Errorf("invalid filter %q: want KEY=VALUE: %w", f, ErrInvalidArg)
		}
		switch k {
		case "name", "label", "driver", "dangling", "anonymous", "opt", "until":
		default:
			return nil, fmt.Errorf("invalid filter %q: unknown key %q (name, label, driver, dangling, anonymous, opt, until): %w", f, k, ErrInvalidArg)
		}
		fs[k] = append(fs[k], val)
	}
	vols, err := r.Volumes(ctx)
	if err != nil {
		return nil, err
	}
	var used map[string]int
	if len(fs["dangling"]) > 0 {
		if used, err = r.volumesInUse(ctx); err != nil {
			return nil, err
		}
	}
	out := []VolumeInspect{}
	for _, v := range vols {
		vi := v.Inspect()
		vi.InUse = used[vi.Name]
		ok, err := volumeMatches(vi, fs)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, vi)
		}
	}
	return out, nil
}

func volumeMatches(v VolumeInspect, fs map[string][]string) (bool, error) {
	for k, vals := range fs {
		any := false
		for _, val := range vals {
			m, err := volumeMatch(v, k, val)
			if err != nil {
				return false, err
			}
			any = any || m
		}
		if !any {
			return false, nil
		}
	}
	return true, nil
}

func volumeMatch(v VolumeInspect, k, val string) (bool, error) {
	boolVal := func() (bool, error) {
		switch val {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return false, fmt.Errorf("invalid filter %s=%s: want true or false: %w", k, val, ErrInvalidArg)
	}
	switch k {
	case "name":
		return strings.Contains(v.Name, val), nil
	case "driver":
		return v.Driver == val, nil
	case "label":
		lk, lv, hasV := strings.Cut(val, "=")
		got, ok := v.Labels[lk]
		return ok && (!hasV || got == lv), nil
	case "opt":
		ok, ov, hasV := strings.Cut(val, "=")
		got, present := v.Options[ok]
		return present && (!hasV || got == ov), nil
	case "dangling":
		b, err := boolVal()
		return (v.InUse == 0) == b, err
	case "anonymous":
		b, err := boolVal()
		return v.Anonymous == b, err
	case "until":
		t, err := parseUntil(val)
		return v.CreatedAt.Before(t), err
	}
	return false, nil
}

// parseUntil reads a timestamp (RFC 3339, Unix seconds) or a duration
// before now ("10m").
func parseUntil(s string) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	var secs int64
	if _, err := fmt.Sscan(s, &secs); err == nil {
		return time.Unix(secs, 0), nil
	}
	return time.Time{}, fmt.Errorf("invalid until %q: want a duration, RFC 3339 time or Unix seconds: %w", s, ErrInvalidArg)
}

// PruneVolumes removes every volume no container uses (and that matches
// the filters) and returns their names.
func (r *Runtime) PruneVolumes(ctx context.Context, filters []string) ([]string, error) {
	list, err := r.ListVolumes(ctx, append(filters, "dangling=true"))
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, v := range list {
		if err := r.RemoveVolume(ctx, v.Name, false); err != nil {
			if !errors.Is(err, ErrNoSuchVolume) && !errors.Is(err, ErrVolumeInUse) {
				errs = append(errs, err)
			}
			continue
		}
		removed = append(removed, v.Name)
	}
	return removed, errors.Join(errs...)
}

// Export writes the volume's content as a tar stream.
func (v *Volume) Export(ctx context.Context, w io.Writer) error {
	lk, err := v.r.volumeLock(ctx, v.cfg.Name)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if err := volume.Mount(v.r.volumesDir(), v.cfg.Name, v.options()); err != nil {
		return err
	}
	root, err := archive.OpenRoot(v.Mountpoint())
	if err != nil {
		return err
	}
	defer root.Close()
	return root.Tar(ctx, w, "/", archive.TarOptions{ContentsOnly: true})
}

// Import extracts a tar stream into the volume, keeping owners and modes.
// Entries that would leave the volume are refused, device nodes skipped.
func (v *Volume) Import(ctx context.Context, rd io.Reader) error {
	lk, err := v.r.volumeLock(ctx, v.cfg.Name)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if err := volume.Mount(v.r.volumesDir(), v.cfg.Name, v.options()); err != nil {
		return err
	}
	root, err := archive.OpenRoot(v.Mountpoint())
	if err != nil {
		return err
	}
	defer root.Close()
	if _, err := root.Untar(ctx, rd, archive.UntarOptions{Dest: "/", KeepOwner: true}); err != nil {
		return archiveErr(err)
	}
	// Imported content is the volume's content: no copy-up over it.
	if v.cfg.NeedsCopyUp {
		v.cfg.NeedsCopyUp = false
		return v.save(ctx)
	}
	return nil
}

// archiveErr classifies an unsafe archive as the user's bad input.
func archiveErr(err error) error {
	if errors.Is(err, archive.ErrUnsafe) {
		return fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	return err
}

func (v *Volume) options() volume.Options {
	o, _ := volume.ParseOptions(v.cfg.Options)
	return o
}
