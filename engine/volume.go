package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/berthproject/berth/internal/lock"
	"github.com/berthproject/berth/internal/state"
	"github.com/berthproject/berth/internal/volume"
)

// kindVolume is the objects-table kind of volumes. A volume's ID is its
// name: volumes have no other identity in docker's or podman's model.
const kindVolume = "volume"

// VolumeConfig is a volume's stored record.
type VolumeConfig struct {
	Name      string            `json:"name"`
	Driver    string            `json:"driver"`
	Labels    map[string]string `json:"labels,omitempty"`
	Options   map[string]string `json:"options,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
	// Anonymous volumes are made for one container (-v /path, image
	// VOLUMEs) and go away with it on rm -v and --rm.
	Anonymous bool `json:"anonymous,omitempty"`
	// NeedsCopyUp is true until the volume is first mounted into a
	// container: the image's content at the mount point is then copied in,
	// if the volume is still empty.
	NeedsCopyUp bool `json:"needsCopyUp,omitempty"`
	// Removing marks a removal in progress; any later command that meets
	// the volume finishes it.
	Removing bool `json:"removing,omitempty"`
}

// Volume is a handle on one named volume.
type Volume struct {
	r   *Runtime
	cfg VolumeConfig
}

// Name returns the volume's name.
func (v *Volume) Name() string { return v.cfg.Name }

// Config returns a copy of the volume's record.
func (v *Volume) Config() VolumeConfig { return v.cfg }

// Mountpoint is the host directory containers see.
func (v *Volume) Mountpoint() string { return volume.DataDir(v.r.volumesDir(), v.cfg.Name) }

func (r *Runtime) volumesDir() string { return filepath.Join(r.opts.Root, "volumes") }

// volumeLock locks one volume. Lock order: pod → container → volume.
func (r *Runtime) volumeLock(ctx context.Context, name string) (*lock.Lock, error) {
	return r.locks.Lock(ctx, "volume-"+name)
}

// VolumeCreateOptions are `volume create`'s settings.
type VolumeCreateOptions struct {
	Name    string // empty: a random 64-hex name
	Driver  string // empty or "local"
	Labels  map[string]string
	Options map[string]string // -o type=, device=, o=
	// IgnoreExisting returns the existing volume instead of failing
	// (podman's --ignore).
	IgnoreExisting bool
}

// CreateVolume creates a named volume.
func (r *Runtime) CreateVolume(ctx context.Context, o VolumeCreateOptions) (*Volume, error) {
	switch o.Driver {
	case "", volume.DriverLocal:
	default:
		return nil, fmt.Errorf("volume driver %q is not available (only %q): %w", o.Driver, volume.DriverLocal, ErrInvalidArg)
	}
	if o.Name == "" {
		id, err := newID()
		if err != nil {
			return nil, err
		}
		o.Name = id
	}
	if err := volume.ValidateName(o.Name); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	if _, err := volume.ParseOptions(o.Options); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	cfg := VolumeConfig{
		Name: o.Name, Driver: volume.DriverLocal, Labels: o.Labels, Options: o.Options,
		CreatedAt: time.Now(), NeedsCopyUp: true,
	}
	v, created, err := r.ensureVolume(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if !created && !o.IgnoreExisting {
		return nil, fmt.Errorf("volume with name %s already exists: %w", o.Name, ErrVolumeExists)
	}
	if created {
		r.emitObject("volume", "create", "", o.Name)
	}
	return v, nil
}

// ensureVolume returns the volume cfg.Name, creating it from cfg when it
// does not exist. The record goes first, then the directory: a crash in
// between leaves a volume whose directory the next use creates.
func (r *Runtime) ensureVolume(ctx context.Context, cfg VolumeConfig) (*Volume, bool, error) {
	lk, err := r.volumeLock(ctx, cfg.Name)
	if err != nil {
		return nil, false, err
	}
	defer lk.Unlock()
	v, err := r.lookupVolumeLocked(ctx, cfg.Name)
	if err == nil {
		return v, false, volume.Create(r.volumesDir(), cfg.Name)
	}
	if !errors.Is(err, ErrNoSuchVolume) {
		return nil, false, err
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return nil, false, err
	}
	// A directory no record refers to is debris of an interrupted removal.
	if err := volume.Remove(r.volumesDir(), cfg.Name); err != nil {
		return nil, false, err
	}
	err = r.db.AddObject(ctx, state.Object{Kind: kindVolume, ID: cfg.Name, Name: cfg.Name, Created: cfg.CreatedAt, Data: data})
	if errors.Is(err, state.ErrExists) {
		return nil, false, fmt.Errorf("volume with name %s already exists: %w", cfg.Name, ErrVolumeExists)
	}
	if err != nil {
		return nil, false, err
	}
	if err := volume.Create(r.volumesDir(), cfg.Name); err != nil {
		return nil, false, err
	}
	return &Volume{r: r, cfg: cfg}, true, nil
}

// LookupVolume finds a volume by name (or unique prefix of an anonymous
// volume's 64-hex name).
func (r *Runtime) LookupVolume(ctx context.Context, name string) (*Volume, error) {
	v, err := r.readVolume(ctx, name)
	if err != nil {
		return nil, err
	}
	if !v.cfg.Removing {
		return v, nil
	}
	// Finish the interrupted removal, then report the volume gone.
	lk, err := r.volumeLock(ctx, v.cfg.Name)
	if err != nil {
		return nil, err
	}
	defer lk.Unlock()
	return r.lookupVolumeLocked(ctx, v.cfg.Name)
}

// lookupVolumeLocked is LookupVolume with the volume's lock held: a
// volume marked removing is removed for good here.
func (r *Runtime) lookupVolumeLocked(ctx context.Context, name string) (*Volume, error) {
	v, err := r.readVolume(ctx, name)
	if err != nil {
		return nil, err
	}
	if v.cfg.Removing {
		if err := v.destroy(ctx); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("no volume with name %q found: %w", name, ErrNoSuchVolume)
	}
	return v, nil
}

func (r *Runtime) readVolume(ctx context.Context, name string) (*Volume, error) {
	if name == "" {
		return nil, fmt.Errorf("empty volume name: %w", ErrInvalidArg)
	}
	o, err := r.db.LookupObject(ctx, kindVolume, name)
	switch {
	case errors.Is(err, state.ErrNotFound):
		return nil, fmt.Errorf("no volume with name %q found: %w", name, ErrNoSuchVolume)
	case errors.Is(err, state.ErrAmbiguous):
		return nil, fmt.Errorf("volume %q: %w", name, ErrAmbiguous)
	case err != nil:
		return nil, err
	}
	return decodeVolume(r, o)
}

func decodeVolume(r *Runtime, o state.Object) (*Volume, error) {
	v := &Volume{r: r}
	if err := json.Unmarshal(o.Data, &v.cfg); err != nil {
		return nil, fmt.Errorf("volume %s: corrupt record: %w", o.Name, err)
	}
	v.cfg.Name = o.Name
	return v, nil
}

// Volumes lists every volume, oldest first. Removals that a crash
// interrupted are finished on the way.
func (r *Runtime) Volumes(ctx context.Context) ([]*Volume, error) {
	objs, err := r.db.Objects(ctx, kindVolume)
	if err != nil {
		return nil, err
	}
	out := make([]*Volume, 0, len(objs))
	for _, o := range objs {
		v, err := decodeVolume(r, o)
		if err != nil {
			return nil, err
		}
		if v.cfg.Removing {
			if _, err := r.LookupVolume(ctx, v.cfg.Name); err != nil && !errors.Is(err, ErrNoSuchVolume) {
				return nil, err
			}
			continue
		}
		out = append(out, v)
	}
	return out, nil
}

func (v *Volume) save(ctx context.Context) error {
	b, err := json.Marshal(v.cfg)
	if err != nil {
		return err
	}
	return v.r.db.SetObjectData(ctx, kindVolume, v.cfg.Name, b)
}

// destroy removes the volume with its lock held: mark, unmount, delete
// the directory, drop the record. Each step accepts "already done".
func (v *Volume) destroy(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	if !v.cfg.Removing {
		v.cfg.Removing = true
		if err := v.save(ctx); err != nil {
			return err
		}
	}
	if err := volume.Remove(v.r.volumesDir(), v.cfg.Name); err != nil {
		return err
	}
	return v.r.db.RemoveObject(ctx, kindVolume, v.cfg.Name)
}

// RemoveVolume deletes a volume. One in use by a container is refused
// unless force, which removes those containers first (as podman does).
func (r *Runtime) RemoveVolume(ctx context.Context, name string, force bool) error {
	v, err := r.LookupVolume(ctx, name)
	if err != nil {
		return err
	}
	name = v.cfg.Name
	users, err := r.volumeUsers(ctx, name, "")
	if err != nil {
		return err
	}
	if len(users) > 0 && !force {
		return fmt.Errorf("volume %s is being used by the following container(s): %s: %w",
			name, joinShortIDs(users), ErrVolumeInUse)
	}
	// Containers first: lock order is container → volume.
	for _, c := range users {
		if err := c.Remove(ctx, RemoveOptions{Force: true}); err != nil && !errors.Is(err, ErrNoSuchCtr) {
			return err
		}
	}
	lk, err := r.volumeLock(ctx, name)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	v, err = r.lookupVolumeLocked(ctx, name)
	if err != nil {
		return err
	}
	// A container created meanwhile wins.
	if users, err = r.volumeUsers(ctx, name, ""); err != nil {
		return err
	}
	if len(users) > 0 {
		return fmt.Errorf("volume %s is being used by the following container(s): %s: %w",
			name, joinShortIDs(users), ErrVolumeInUse)
	}
	if err := v.destroy(ctx); err != nil {
		return err
	}
	r.emitObject("volume", "remove", "", name)
	return r.locks.Remove("volume-" + name)
}

func joinShortIDs(cs []*Container) string {
	s := ""
	for i, c := range cs {
		if i > 0 {
			s += ", "
		}
		s += c.config.ID[:12]
	}
	return s
}

// volumeUsers lists the containers whose mounts use the volume, except
// the container exceptID.
func (r *Runtime) volumeUsers(ctx context.Context, name, exceptID string) ([]*Container, error) {
	all, err := r.AllContainers(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Container
	for _, c := range all {
		if c.config.ID == exceptID {
			continue
		}
		ms, err := r.containerMounts(ctx, c.config, true)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Type == mountVolume && m.Source == name {
				out = append(out, c)
				break
			}
		}
	}
	return out, nil
}

// volumesInUse maps each volume name to how many containers use it, from
// one pass over the containers.
func (r *Runtime) volumesInUse(ctx context.Context) (map[string]int, error) {
	all, err := r.AllContainers(ctx)
	if err != nil {
		return nil, err
	}
	used := map[string]int{}
	for _, c := range all {
		ms, err := r.containerMounts(ctx, c.config, true)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Type == mountVolume {
				used[m.Source]++
			}
		}
	}
	return used, nil
}
