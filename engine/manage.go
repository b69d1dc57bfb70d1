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

// PruneContainers removes every stopped container matching the filters
// (until=TIME-or-duration, label=KEY[=VALUE], label!=...) and returns
// their IDs. Errors on one container do not stop the others.
func (r *Runtime) PruneContainers(ctx context.Context, filters []string) ([]string, error) {
	var until time.Time
	var labels, notLabels []string
	for _, f := range filters {
		k, v, ok := strings.Cut(f, "=")
		switch {
		case ok && k == "until":
			t, err := parseUntil(v)
			if err != nil {
				return nil, err
			}
			until = t
		case ok && k == "label":
			labels = append(labels, v)
		case ok && k == "label!":
			notLabels = append(notLabels, v)
		default:
			return nil, fmt.Errorf("invalid prune filter %q: use until=, label= or label!=: %w", f, ErrInvalidArg)
		}
	}
	all, err := r.AllContainers(ctx)
	if err != nil {
		return nil, err
	}
	var removed []string
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
		if err := c.Remove(ctx, RemoveOptions{}); err != nil {
			if !errors.Is(err, ErrNoSuchCtr) {
				errs = append(errs, err)
			}
			continue
		}
		removed = append(removed, c.config.ID)
	}
	return removed, errors.Join(errs...)
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
