package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Rename gives the container a new name; the name must be free.
func (c *Container) Rename(ctx context.Context, name string) error {
	if err := validateName(name); err != nil {
		return err
	}
	return c.Batch(ctx, func(l *Locked) error {
		old := c.config.Name
		if err := mapStateErr(c.r.db.SetContainerName(ctx, c.config.ID, name)); err != nil {
			return err
		}
		c.config.Name = name
		c.config.NameGenerated = false
		b, err := json.Marshal(c.config)
		if err != nil {
			return err
		}
		if err := c.r.db.SetContainerConfig(ctx, c.config.ID, b); err != nil {
			return err
		}
		c.emit("rename", "oldName", old)
		return nil
	})
}

// ContainerExists reports whether ref names a container.
func (r *Runtime) ContainerExists(ctx context.Context, ref string) (bool, error) {
	_, err := r.LookupContainer(ctx, ref)
	if errors.Is(err, ErrNoSuchCtr) {
		return false, nil
	}
	return err == nil, err
}

// PruneReport says what PruneContainers removed.
type PruneReport struct {
	Removed []string // IDs
	Space   int64    // bytes of writable layers freed
}

// PruneContainers removes every stopped container matching the filters
// (until=TIME-or-duration, label=KEY[=VALUE], label!=...). Errors on one
// container do not stop the others; a container that starts meanwhile is
// skipped.
func (r *Runtime) PruneContainers(ctx context.Context, filters []string) (PruneReport, error) {
	var rep PruneReport
	var until time.Time
	var labels, notLabels []string
	for _, f := range filters {
		k, v, ok := strings.Cut(f, "=")
		switch {
		case ok && k == "until":
			t, err := parseUntil(v)
			if err != nil {
				return rep, err
			}
			until = t
		case ok && k == "label":
			labels = append(labels, v)
		case ok && k == "label!":
			notLabels = append(notLabels, v)
		default:
			return rep, fmt.Errorf("invalid prune filter %q: use until=, label= or label!=: %w", f, ErrInvalidArg)
		}
	}
	all, err := r.AllContainers(ctx)
	if err != nil {
		return rep, err
	}
	var errs []error
	for _, c := range all {
		c.applyExitFile()
		st := c.state.Status
		if st != StatusExited && st != StatusConfigured && st != StatusCreated {
			continue
		}
		if !until.IsZero() && !c.config.Created.Before(until) {
			continue
		}
		lbl := mergeLabels(c.config.ImageConfig.Labels, c.config.Spec.Labels)
		if !labelsMatch(lbl, labels, true) || !labelsMatch(lbl, notLabels, false) {
			continue
		}
		size := c.layerSize(ctx)
		if err := c.Remove(ctx, RemoveOptions{}); err != nil {
			if !errors.Is(err, ErrNoSuchCtr) && !errors.Is(err, ErrCtrStateInvalid) {
				errs = append(errs, err)
			}
			continue
		}
		rep.Removed = append(rep.Removed, c.config.ID)
		rep.Space += size
	}
	return rep, errors.Join(errs...)
}

// layerSize is the container's writable layer size, 0 when unknown.
func (c *Container) layerSize(ctx context.Context) int64 {
	st, _, err := c.r.storage(ctx)
	if err != nil {
		return 0
	}
	rw, _, err := st.Size(ctx, c.config.ID)
	if err != nil {
		return 0
	}
	return rw
}

// labelsMatch: with want, every expression must match; without, none may.
func labelsMatch(labels map[string]string, exprs []string, want bool) bool {
	for _, e := range exprs {
		k, v, hasV := strings.Cut(e, "=")
		got, ok := labels[k]
		if (ok && (!hasV || got == v)) != want {
			return false
		}
	}
	return true
}
