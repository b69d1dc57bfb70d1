package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/berthproject/berth/internal/image"
)

// ImportOptions configure ImportImage.
type ImportOptions = image.ImportOptions

// CommitOptions configure Commit.
type CommitOptions struct {
	Name    string   // optional name for the new image
	Changes []string // --change instructions
	Message string
	Author  string
	// Pause freezes a running container while its changes are read.
	Pause bool
}

// ImportImage makes an image from a root file system tarball (e.g. the
// output of `export`) and returns its ID.
func (r *Runtime) ImportImage(ctx context.Context, path string, o ImportOptions) (string, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return "", err
	}
	id, err := imgs.Import(ctx, path, o)
	if err != nil {
		return "", mapImageErr(err)
	}
	r.emitImage("import", id, "")
	return id, nil
}

// Commit makes an image from the container ref: its image, its file
// system changes as a new layer, and its run settings (environment,
// command, entrypoint, working directory, user, labels, stop signal) with
// o.Changes applied on top. The container's lock is held throughout, so
// it cannot be removed or restarted meanwhile.
func (r *Runtime) Commit(ctx context.Context, ref string, o CommitOptions) (string, error) {
	c, err := r.LookupContainer(ctx, ref)
	if err != nil {
		return "", err
	}
	st, imgs, err := r.storage(ctx)
	if err != nil {
		return "", err
	}
	var id string
	err = c.Batch(ctx, func(l *Locked) (retErr error) {
		if o.Pause && c.state.Status == StatusRunning {
			if err := l.Pause(ctx); err != nil {
				return err
			}
			defer func() {
				if err := l.Unpause(context.WithoutCancel(ctx)); err != nil {
					retErr = errors.Join(retErr, err)
				}
			}()
		}
		var err error
		id, err = imgs.Commit(ctx, image.CommitOptions{
			Image: c.config.ImageID, Diff: func() (io.ReadCloser, error) { return st.Diff(ctx, c.config.ID) }, Config: containerImageConfig(c.config),
			Changes: o.Changes, Message: o.Message, Author: o.Author, Name: o.Name,
		})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("committing container %s: %w", c.Name(), mapImageErr(err))
	}
	r.emitImage("commit", id, o.Name)
	return id, nil
}

// containerImageConfig is the image's run configuration as the container
// changed it.
func containerImageConfig(cfg *ContainerConfig) ImageConfig {
	ic := cfg.ImageConfig
	ic.Env = slices.Clone(ic.Env)
	for _, kv := range cfg.Spec.Env {
		k, _, _ := strings.Cut(kv, "=")
		ic.Env = slices.DeleteFunc(ic.Env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		ic.Env = append(ic.Env, kv)
	}
	if len(cfg.Spec.Command) > 0 {
		ic.Cmd = slices.Clone(cfg.Spec.Command)
	}
	if cfg.Spec.EntrypointSet {
		ic.Entrypoint = slices.Clone(cfg.Spec.Entrypoint)
	}
	if cfg.Spec.WorkDir != "" {
		ic.WorkingDir = cfg.Spec.WorkDir
	}
	if cfg.Spec.User != "" {
		ic.User = cfg.Spec.User
	}
	if cfg.Spec.StopSignal != "" {
		ic.StopSignal = cfg.Spec.StopSignal
	}
	if len(cfg.Spec.Labels) > 0 {
		ic.Labels = maps.Clone(ic.Labels)
		if ic.Labels == nil {
			ic.Labels = map[string]string{}
		}
		maps.Copy(ic.Labels, cfg.Spec.Labels)
	}
	return ic
}
