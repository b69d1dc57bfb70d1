package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/state"
)

// ContainerSpec is what a user asks for; see engine/spec.
type ContainerSpec = spec.ContainerSpec

// defaultStopTimeout is docker's and podman's default grace period.
const defaultStopTimeout uint = 10

// newContainer creates a container from cs: validated, recorded in the
// database (state configured) and given its storage layer. Nothing runs yet.
// NewContainer (pod_create.go) resolves the pod and joined namespaces first.
//
// Order matters for crash safety: the database row comes first, so a
// process killed at any later point leaves a container that `rm -f` knows
// about and can remove completely; storage never holds a layer that no
// container row refers to.
func (r *Runtime) newContainer(ctx context.Context, cs ContainerSpec) (*Container, error) {
	t0 := time.Now()
	defer phase("create", t0)
	if err := cs.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	if cs.Name != "" {
		if err := validateName(cs.Name); err != nil {
			return nil, err
		}
	}
	if err := r.checkNetworks(ctx, &cs); err != nil {
		return nil, err
	}
	img, imgCfg, err := r.resolveImage(ctx, cs.Image, cs.PullPolicy)
	if err != nil {
		return nil, err
	}
	phase("create: image resolved", t0)
	id, err := newID()
	if err != nil {
		return nil, err
	}
	cfg := &ContainerConfig{
		ID:          id,
		Spec:        cs,
		ImageID:     img.ID,
		ImageName:   imageDisplayName(img, cs.Image),
		ImageConfig: imgCfg,
		Created:     time.Now(),
	}
	cfg.LogPath = filepath.Join(r.dataDir(cfg), "ctr.log")
	if cs.StopTimeout == nil {
		t := defaultStopTimeout
		cfg.Spec.StopTimeout = &t
	}
	st := &ContainerState{Status: StatusConfigured}
	if err := r.insertContainer(ctx, cfg, st); err != nil {
		return nil, err
	}
	phase("create: row stored", t0)
	c := &Container{r: r, config: cfg, state: st}
	if err := r.createLayer(ctx, c); err != nil {
		r.db.RemoveContainer(context.WithoutCancel(ctx), id)
		return nil, err
	}
	if err := r.prepareVolumes(ctx, c); err != nil {
		c.Remove(context.WithoutCancel(ctx), RemoveOptions{Force: true})
		return nil, err
	}
	c.emit("create")
	return c, nil
}

// insertContainer stores the new row, choosing a free generated name when
// the user gave none.
func (r *Runtime) insertContainer(ctx context.Context, cfg *ContainerConfig, st *ContainerState) error {
	stateJSON, err := json.Marshal(st)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		if cfg.Spec.Name != "" {
			cfg.Name = cfg.Spec.Name
		} else {
			cfg.Name, cfg.NameGenerated = generateName(attempt), true
		}
		cfgJSON, err := json.Marshal(cfg)
		if err != nil {
			return err
		}
		err = r.db.AddContainer(ctx, state.Container{
			ID: cfg.ID, Name: cfg.Name, Created: cfg.Created, Config: cfgJSON, State: stateJSON,
		})
		if err == nil {
			return nil
		}
		if !errors.Is(err, state.ErrExists) || !cfg.NameGenerated || attempt > 20 {
			return mapStateErr(err)
		}
	}
}

// createLayer makes the container's writable layer and its data dir.
func (r *Runtime) createLayer(ctx context.Context, c *Container) error {
	if err := os.MkdirAll(r.dataDir(c.config), 0o700); err != nil {
		return fmt.Errorf("creating container data dir: %w", err)
	}
	st, _, err := r.storage(ctx)
	if err != nil {
		return err
	}
	if err := st.CreateContainerVolatile(ctx, c.config.ID, c.config.Name, c.config.ImageID, c.config.Spec.Remove); err != nil {
		return fmt.Errorf("creating container storage: %w", err)
	}
	return nil
}
