package engine

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/berthproject/berth/engine/spec"
)

// ListOptions select containers for `ps`.
type ListOptions struct {
	All     bool     // include containers that are not running
	Last    int      // only the n most recently created (implies All); 0 = no limit
	Filters []string // key=value; same key ORs, different keys AND
	Size    bool     // compute the writable layer and rootfs sizes
	// Networks fills ListEntry.Networks (one more query for the listing).
	Networks bool
}

// ListEntry is one row of a container listing.
type ListEntry struct {
	ID         string
	Name       string
	Image      string
	ImageID    string
	Command    []string
	Created    time.Time
	Status     Status
	ExitCode   int
	Exited     bool
	StartedAt  time.Time
	FinishedAt time.Time
	Labels     map[string]string
	PID        int
	Restarts   int
	Health     string // healthcheck status, "" without a healthcheck
	AutoRemove bool
	Mounts     []string
	SizeRw     int64
	SizeRootFs int64
	Pod        string // pod ID, "" outside pods
	PodName    string
	// Networks are the networks the container is attached to, in order
	// (only with ListOptions.Networks; empty for none, host, container:).
	Networks []string
	// Ports are the published ports as bound (random host ports
	// resolved), for a running container that publishes any.
	Ports []PortMapping
}

// ListContainers returns the containers matching opts, newest first, from
// one database query plus one stat per running container (exit files): the
// OCI runtime is not consulted.
func (r *Runtime) ListContainers(ctx context.Context, opts ListOptions) ([]ListEntry, error) {
	f, err := ParseContainerFilters(opts.Filters)
	if err != nil {
		return nil, err
	}
	all, err := r.AllContainers(ctx)
	if err != nil {
		return nil, err
	}
	if err := f.resolveRefs(all); err != nil {
		return nil, err
	}
	podNames, err := r.podNames(ctx, f)
	if err != nil {
		return nil, err
	}
	var attached map[string][]byte // network connect/disconnect records
	if opts.Networks {
		if attached, err = r.db.ArtifactsNamed(ctx, attachmentsArtifact); err != nil {
			return nil, err
		}
	}
	var out []ListEntry
	for i := len(all) - 1; i >= 0; i-- {
		c := all[i]
		c.applyExitFile()
		if !opts.All && opts.Last == 0 && !f.has("status") && !c.state.running() {
			continue
		}
		if !f.match(c) {
			continue
		}
		e := c.listEntry(ctx)
		e.PodName = podNames[e.Pod]
		if opts.Networks {
			e.Networks = listNetworks(c, attached[c.config.ID])
		}
		out = append(out, e)
		if opts.Last > 0 && len(out) == opts.Last {
			break
		}
	}
	if opts.Size {
		if err := r.addSizes(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// applyExitFile updates the in-memory snapshot from conmon's exit file.
func (c *Container) applyExitFile() {
	if !c.state.running() {
		return
	}
	if code, at, err := readExit(c.r.exitDir(), c.config.ID); err == nil {
		c.markExited(code, at)
	}
}

func (c *Container) listEntry(ctx context.Context) ListEntry {
	img := c.config.ImageConfig
	entry, cmd := commandOf(c)
	e := ListEntry{
		ID: c.config.ID, Name: c.config.Name, Image: c.config.ImageName, ImageID: c.config.ImageID,
		Command: append(entry, cmd...), Created: c.config.Created, Status: c.state.Status,
		ExitCode: c.state.ExitCode, Exited: c.state.Exited, StartedAt: c.state.StartedAt,
		FinishedAt: c.state.FinishedAt, Labels: mergeLabels(img.Labels, c.config.Spec.Labels),
		PID: c.state.PID, Restarts: c.state.RestartCount, Health: healthStatus(c), AutoRemove: c.config.Spec.Remove,
		Pod: c.config.Spec.Pod,
	}
	for _, m := range c.config.Spec.Mounts {
		e.Mounts = append(e.Mounts, m.Destination)
	}
	// Only a running container has bound ports; only one that publishes
	// any costs the read of its network record.
	if c.state.running() && (len(c.config.Spec.Ports) > 0 || c.config.Spec.PublishAll) {
		if info, err := c.NetworkInfo(ctx); err == nil {
			e.Ports = info.Ports
		}
	}
	return e
}

// listNetworks names the networks of c in attachment order: the record of
// `network connect`/`disconnect` when there is one, else its spec.
func listNetworks(c *Container, record []byte) []string {
	if spec.NetworkModeOf(&c.config.Spec) != spec.NetworkBridge {
		return nil
	}
	atts, err := c.attachmentsFrom(record)
	if err != nil {
		return nil // corrupt: inspect reports it; a listing lists on
	}
	return networkNames(atts)
}

func (r *Runtime) addSizes(ctx context.Context, rows []ListEntry) error {
	st, _, err := r.storage(ctx)
	if err != nil {
		return err
	}
	for i := range rows {
		rw, rootfs, err := st.Size(ctx, rows[i].ID)
		if err != nil {
			continue // a container being removed right now has no size
		}
		rows[i].SizeRw, rows[i].SizeRootFs = rw, rootfs
	}
	return nil
}

// ContainerFilter is a parsed set of `--filter key=value` expressions.
type ContainerFilter struct {
	values map[string][]string
	// before/since resolved to creation times
	before, since time.Time
}

var filterKeys = map[string]bool{
	"id": true, "name": true, "label": true, "status": true, "exited": true,
	"ancestor": true, "before": true, "since": true, "pod": true,
}

var validStatuses = map[string]bool{
	"created": true, "running": true, "paused": true, "exited": true,
	"stopping": true, "removing": true, "configured": true, "stopped": true,
}

// ParseContainerFilters parses key=value filter expressions.
func ParseContainerFilters(exprs []string) (*ContainerFilter, error) {
	f := &ContainerFilter{values: map[string][]string{}}
	for _, e := range exprs {
		k, v, ok := strings.Cut(e, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid filter %q: want key=value: %w", e, ErrInvalidArg)
		}
		if !filterKeys[k] {
			return nil, fmt.Errorf("invalid filter %q: unknown key %q: %w", e, k, ErrInvalidArg)
		}
		switch k {
		case "status":
			if !validStatuses[v] {
				return nil, fmt.Errorf("invalid filter %q: status must be one of created, running, paused, exited, stopping, removing: %w", e, ErrInvalidArg)
			}
		case "exited":
			if _, err := strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("invalid filter %q: exit code must be a number: %w", e, ErrInvalidArg)
			}
		case "name":
			if _, err := regexp.Compile(v); err != nil {
				return nil, fmt.Errorf("invalid filter %q: %v: %w", e, err, ErrInvalidArg)
			}
		}
		f.values[k] = append(f.values[k], v)
	}
	return f, nil
}

func (f *ContainerFilter) has(k string) bool { return len(f.values[k]) > 0 }

// resolveRefs turns before=/since= container references into times.
func (f *ContainerFilter) resolveRefs(all []*Container) error {
	for _, k := range []string{"before", "since"} {
		for _, ref := range f.values[k] {
			c := findRef(all, ref)
			if c == nil {
				return fmt.Errorf("filter %s=%s: no container with name or ID %q found: %w", k, ref, ref, ErrNoSuchCtr)
			}
			if k == "before" {
				f.before = c.config.Created
			} else {
				f.since = c.config.Created
			}
		}
	}
	return nil
}

func findRef(all []*Container, ref string) *Container {
	var prefix []*Container
	for _, c := range all {
		if c.config.ID == ref || c.config.Name == ref {
			return c
		}
		if strings.HasPrefix(c.config.ID, ref) {
			prefix = append(prefix, c)
		}
	}
	if len(prefix) == 1 {
		return prefix[0]
	}
	return nil
}

// match reports whether c passes every filter key: one of its values,
// except for label, where every value must match (as docker and podman
// do; compose selects its containers with several labels).
func (f *ContainerFilter) match(c *Container) bool {
	for k, vs := range f.values {
		ok := false
		for _, v := range vs {
			if f.matchOne(c, k, v) {
				ok = true
				if k != "label" {
					break
				}
			} else if k == "label" {
				ok = false
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (f *ContainerFilter) matchOne(c *Container, k, v string) bool {
	switch k {
	case "id":
		return strings.HasPrefix(c.config.ID, v)
	case "name":
		re, err := regexp.Compile(v)
		return err == nil && re.MatchString(c.config.Name)
	case "label":
		key, val, hasVal := strings.Cut(v, "=")
		labels := mergeLabels(c.config.ImageConfig.Labels, c.config.Spec.Labels)
		got, ok := labels[key]
		return ok && (!hasVal || got == val)
	case "status":
		st := c.state.Status.DisplayStatus()
		return st == v || (v == "stopped" && st == "exited") || string(c.state.Status) == v
	case "exited":
		code, _ := strconv.Atoi(v)
		return c.state.Status == StatusExited && c.state.ExitCode == code
	case "ancestor":
		return c.config.ImageID == v || strings.HasPrefix(c.config.ImageID, v) ||
			c.config.ImageName == v || strings.HasSuffix(c.config.ImageName, "/"+v) ||
			strings.HasSuffix(c.config.ImageName, "/"+v+":latest")
	case "pod":
		return c.config.Spec.Pod != "" && c.config.Spec.Pod == v
	case "before":
		return c.config.Created.Before(f.before)
	case "since":
		return c.config.Created.After(f.since)
	}
	return false
}

func healthStatus(c *Container) string {
	if c.state.Health == nil || !c.state.running() {
		return ""
	}
	return c.state.Health.Status
}
