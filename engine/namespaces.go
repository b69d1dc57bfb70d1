package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/berthproject/berth/engine/spec"
)

// Containers joining other containers' namespaces (--ipc, --pid, --uts,
// --userns, --cgroupns and --network container:NAME, and the members of a
// pod joining its infra container).
//
// The reference is resolved to the joined container's ID when the
// container is created, so renames do not break it and dependency
// tracking is a scan of the stored specs. The namespace paths are
// resolved at every init (/proc/<PID>/ns/<kind> of the joined container,
// which is started first when it does not run, as podman does).

// resolveNamespaceRefs turns every container:NAME mode of cs into
// container:ID and checks the combination of options.
func (r *Runtime) resolveNamespaceRefs(ctx context.Context, cs *ContainerSpec) error {
	modes := spec.NamespaceModes(cs)
	for _, kind := range spec.JoinKinds {
		ref, ok := spec.JoinTarget(modes[kind])
		if !ok {
			continue
		}
		target, err := r.LookupContainer(ctx, ref)
		if err != nil {
			return fmt.Errorf("joining the %s namespace of container %s: %w", kind, ref, err)
		}
		spec.SetNamespaceMode(cs, kind, spec.NSContainerPrefix+target.ID())
		switch kind {
		case spec.NSUTS:
			if cs.Hostname != "" && cs.Hostname != spec.Hostname(&target.config.Spec, target.ID()) {
				return fmt.Errorf("--hostname cannot be set when joining the UTS namespace of container %s: %w", target.Name(), ErrInvalidArg)
			}
			// The hostname is the joined namespace's; the run files say so.
			cs.Hostname = spec.Hostname(&target.config.Spec, target.ID())
		case spec.NSIPC:
			switch target.config.Spec.IPCMode {
			case spec.NSModeShareable, spec.NSModeHost:
			default:
				return fmt.Errorf("the IPC namespace of container %s is not shareable: create it with --ipc shareable (or put both in a pod): %w", target.Name(), ErrInvalidArg)
			}
		case spec.NSNetwork:
			if len(cs.Ports) > 0 {
				return fmt.Errorf("ports cannot be published by a container that joins the network of container %s: publish them on that container (or its pod): %w", target.Name(), ErrInvalidArg)
			}
		}
	}
	return nil
}

// dependencies returns the IDs of the containers whose namespaces c joins,
// without duplicates, in JoinKinds order.
func (c *Container) dependencies() []string {
	var out []string
	modes := spec.NamespaceModes(&c.config.Spec)
	for _, kind := range spec.JoinKinds {
		if id, ok := spec.JoinTarget(modes[kind]); ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// dependents returns the containers that join a namespace of id.
func dependents(all []*Container, id string) []*Container {
	var out []*Container
	for _, c := range all {
		if slices.Contains(c.dependencies(), id) {
			out = append(out, c)
		}
	}
	return out
}

// nsJoins is what resolveJoins found: kind → namespace path (or
// spec.JoinHost), and the /dev/shm to share with the IPC namespace.
type nsJoins struct {
	paths map[string]string
	shm   string
}

// resolveJoins starts the containers this one depends on when they do not
// run and returns the namespaces to join. Lock order: this container's
// lock is held and the dependency's is taken; references only point at
// containers created earlier, so the graph has no cycles.
func (l *Locked) resolveJoins(ctx context.Context) (nsJoins, error) {
	c := l.c
	var j nsJoins
	// The pod's cgroup limits live in a volatile file system: set them
	// before the first member's cgroup is made inside it.
	if c.config.Spec.Pod != "" {
		if p, err := c.r.podByID(ctx, c.config.Spec.Pod); err == nil {
			if err := p.applyCgroupLimits(); err != nil {
				return j, err
			}
		}
	}
	modes := spec.NamespaceModes(&c.config.Spec)
	pids := map[string]int{}
	for _, kind := range spec.JoinKinds {
		id, ok := spec.JoinTarget(modes[kind])
		if !ok {
			continue
		}
		pid, ok := pids[id]
		if !ok {
			var err error
			if pid, err = c.r.startDependency(ctx, c, id); err != nil {
				return j, err
			}
			pids[id] = pid
		}
		path := fmt.Sprintf("/proc/%d/ns/%s", pid, spec.ProcNSName(kind))
		if sameNamespace(path, "/proc/self/ns/"+spec.ProcNSName(kind)) {
			path = spec.JoinHost
		}
		if j.paths == nil {
			j.paths = map[string]string{}
		}
		j.paths[kind] = path
		if kind == spec.NSIPC && path != spec.JoinHost {
			// /dev/shm is a tmpfs per IPC namespace by convention: share
			// the joined container's (see namespaces_shm.go).
			j.shm = c.r.shmDir(id)
		}
	}
	if c.config.Spec.IPCMode == spec.NSModeShareable {
		var err error
		if j.shm, err = l.setupShm(); err != nil {
			return j, err
		}
	}
	return j, nil
}

// startDependency starts container id (which dependent joins) when it does
// not run and returns its PID.
func (r *Runtime) startDependency(ctx context.Context, dependent *Container, id string) (int, error) {
	dep, err := r.LookupContainer(ctx, id)
	if errors.Is(err, ErrNoSuchCtr) {
		return 0, fmt.Errorf("container %s joins the namespaces of container %s, which no longer exists: %w", dependent.Name(), shortID(id), ErrNoSuchCtr)
	}
	if err != nil {
		return 0, err
	}
	pid := 0
	err = dep.Batch(ctx, func(l *Locked) error {
		switch dep.state.Status {
		case StatusRunning:
		case StatusPaused:
			return fmt.Errorf("cannot join the namespaces of container %s: it is paused: %w", dep.Name(), ErrCtrStateInvalid)
		default:
			if err := l.Start(ctx); err != nil {
				return fmt.Errorf("starting container %s, whose namespaces %s joins: %w", dep.Name(), dependent.Name(), err)
			}
		}
		pid = dep.state.PID
		return nil
	})
	if err == nil && pid == 0 {
		err = fmt.Errorf("container %s has no process to join: %w", dep.Name(), ErrCtrStateInvalid)
	}
	return pid, err
}

// sameNamespace reports whether two /proc namespace links name the same
// namespace.
func sameNamespace(a, b string) bool {
	la, err := os.Readlink(a)
	if err != nil {
		return false
	}
	lb, err := os.Readlink(b)
	return err == nil && la == lb
}

// checkRemovable refuses to remove a container that others join, naming
// them (rm --depend removes them first), and a pod's infra container
// while its pod exists.
func (l *Locked) checkRemovable(ctx context.Context) error {
	c := l.c
	all, err := c.r.AllContainers(ctx)
	if err != nil {
		return err
	}
	if deps := dependents(all, c.config.ID); len(deps) > 0 {
		names := make([]string, 0, len(deps))
		for _, d := range deps {
			names = append(names, d.Name())
		}
		return fmt.Errorf("container %s has dependent containers which must be removed before it: %s (rm --depend removes them too): %w",
			c.config.Name, strings.Join(names, ", "), ErrCtrHasDependents)
	}
	if c.config.Spec.PodInfra && c.config.Spec.Pod != "" {
		p, err := c.r.podByID(ctx, c.config.Spec.Pod)
		if err == nil && !p.cfg.Removing {
			return fmt.Errorf("container %s is the infra container of pod %s: remove the pod instead: %w",
				c.config.Name, p.cfg.Name, ErrCtrHasDependents)
		}
	}
	return nil
}

// removeDependents removes, before c, every container that joins its
// namespaces (recursively): rm --depend.
func (c *Container) removeDependents(ctx context.Context, opts RemoveOptions) error {
	all, err := c.r.AllContainers(ctx)
	if err != nil {
		return err
	}
	for _, d := range dependents(all, c.config.ID) {
		if err := d.Remove(ctx, opts); err != nil && !errors.Is(err, ErrNoSuchCtr) {
			return err
		}
	}
	return nil
}

// cgroupPath is the container's cgroup: under its pod's when it has one.
func (c *Container) cgroupPath() string {
	parent := c.config.Spec.CgroupParent
	if parent == "" {
		parent = "/berth"
	}
	return parent + "/" + c.config.ID
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
