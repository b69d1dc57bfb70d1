package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"syscall"

	"github.com/berthproject/berth/internal/cgroups"
)

// Pod operations: each takes the pod's lock (before any container lock:
// pod → container → volume), works on every container of the pod, records
// the derived pod state and reports the containers that failed.

// withMembers runs fn with the pod locked and its containers listed.
func (p *Pod) withMembers(ctx context.Context, fn func([]*Container) error) error {
	lk, err := p.r.podLock(ctx, p.cfg.ID)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if err := p.reload(ctx); err != nil {
		return err
	}
	members, err := p.Containers(ctx)
	if err != nil {
		return err
	}
	err = fn(members)
	if serr := p.storeStatus(context.WithoutCancel(ctx)); serr != nil && err == nil && !errors.Is(serr, ErrNoSuchPod) {
		err = serr
	}
	return err
}

// Start starts the pod's containers, the infra container first (the
// others join its namespaces; starting them would start it anyway).
func (p *Pod) Start(ctx context.Context) error {
	err := p.withMembers(ctx, func(members []*Container) error {
		if p.cfg.Removing {
			return fmt.Errorf("pod %s is being removed: %w", p.cfg.Name, ErrPodStateInvalid)
		}
		infra, err := p.ensureInfra(ctx, members)
		if err != nil {
			return err
		}
		if infra != nil && !slices.Contains(members, infra) {
			members = append([]*Container{infra}, members...)
		}
		if err := p.applyCgroupLimits(); err != nil {
			return err
		}
		var errs []error
		for _, c := range members {
			if err := c.Start(ctx); err != nil {
				errs = append(errs, fmt.Errorf("starting container %s: %w", c.Name(), err))
			}
		}
		return errors.Join(errs...)
	})
	if err == nil {
		p.emit("start")
	}
	return err
}

// Stop stops the pod's containers in reverse dependency order: those that
// join others' namespaces first (in parallel), the infra container last.
// A nil timeout means each container's own.
func (p *Pod) Stop(ctx context.Context, timeout *uint) error {
	err := p.withMembers(ctx, func(members []*Container) error {
		return inStopOrder(members, func(c *Container) error {
			err := c.Batch(ctx, func(l *Locked) error { return l.Stop(ctx, timeout) })
			if errors.Is(err, ErrCtrStopped) {
				return nil
			}
			return err
		})
	})
	if err == nil {
		p.emit("stop")
	}
	return err
}

// Restart stops the pod and starts it again.
func (p *Pod) Restart(ctx context.Context, timeout *uint) error {
	if err := p.Stop(ctx, timeout); err != nil {
		return err
	}
	return p.Start(ctx)
}

// Kill sends sig to every running container of the pod, dependents first.
func (p *Pod) Kill(ctx context.Context, sig syscall.Signal) error {
	return p.withMembers(ctx, func(members []*Container) error {
		return inStopOrder(members, func(c *Container) error {
			if !c.state.running() {
				return nil
			}
			err := c.Kill(ctx, sig)
			if errors.Is(err, ErrCtrStateInvalid) {
				return nil // it exited meanwhile
			}
			return err
		})
	})
}

// Pause freezes every running container of the pod.
func (p *Pod) Pause(ctx context.Context) error {
	return p.withMembers(ctx, func(members []*Container) error {
		var errs []error
		for _, c := range members {
			if c.state.Status == StatusRunning {
				if err := c.Pause(ctx); err != nil {
					errs = append(errs, fmt.Errorf("pausing container %s: %w", c.Name(), err))
				}
			}
		}
		return errors.Join(errs...)
	})
}

// Unpause thaws every paused container of the pod.
func (p *Pod) Unpause(ctx context.Context) error {
	return p.withMembers(ctx, func(members []*Container) error {
		var errs []error
		for _, c := range members {
			if c.state.Status == StatusPaused {
				if err := c.Unpause(ctx); err != nil {
					errs = append(errs, fmt.Errorf("unpausing container %s: %w", c.Name(), err))
				}
			}
		}
		return errors.Join(errs...)
	})
}

// Remove removes the pod with its containers. Running containers need
// force. The pod is marked removing first, so an interrupted removal is
// finished by the next `pod rm -f`.
func (p *Pod) Remove(ctx context.Context, force bool) error {
	lk, err := p.r.podLock(ctx, p.cfg.ID)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if err := p.reload(ctx); err != nil {
		return err
	}
	members, err := p.Containers(ctx)
	if err != nil {
		return err
	}
	if !force {
		var running []string
		for _, c := range members {
			if c.state.running() {
				running = append(running, c.Name())
			}
		}
		if len(running) > 0 {
			return fmt.Errorf("pod %s has running containers (%v): stop the pod or use -f: %w", p.cfg.Name, running, ErrPodStateInvalid)
		}
	}
	return p.destroy(ctx)
}

// destroy removes the pod's containers (dependents first), its cgroup,
// its record and its lock file. The pod lock is held.
func (p *Pod) destroy(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	p.cfg.Removing = true
	if err := p.save(ctx); err != nil {
		return err
	}
	members, err := p.Containers(ctx)
	if err != nil {
		return err
	}
	err = inStopOrder(members, func(c *Container) error {
		err := c.Remove(ctx, RemoveOptions{Force: true})
		if errors.Is(err, ErrNoSuchCtr) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := cgroups.Remove(p.CgroupParent()); err != nil {
		logWarn("pod %s: %v", p.cfg.Name, err)
	}
	if err := p.r.db.RemoveObject(ctx, kindPod, p.cfg.ID); err != nil {
		return err
	}
	p.emit("remove")
	return p.r.locks.Remove("pod-" + p.cfg.ID)
}

// PrunePods removes every pod none of whose containers runs and returns
// their IDs.
func (r *Runtime) PrunePods(ctx context.Context) ([]string, error) {
	pods, err := r.AllPods(ctx)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, p := range pods {
		st, err := p.Status(ctx)
		if err != nil {
			return removed, err
		}
		if st == PodRunning || st == PodDegraded || st == PodPaused {
			continue
		}
		err = p.Remove(ctx, false)
		switch {
		case err == nil:
			removed = append(removed, p.cfg.ID)
		case !errors.Is(err, ErrPodStateInvalid) && !errors.Is(err, ErrNoSuchPod):
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

// inStopOrder applies fn to members in reverse dependency order: first,
// in parallel, those no other member joins; then those only they joined;
// the infra container last. Every container is tried; errors are joined.
func inStopOrder(members []*Container, fn func(*Container) error) error {
	remaining := slices.Clone(members)
	var errs []error
	for len(remaining) > 0 {
		var layer, rest []*Container
		for _, c := range remaining {
			if len(dependents(remaining, c.config.ID)) == 0 {
				layer = append(layer, c)
			} else {
				rest = append(rest, c)
			}
		}
		if len(layer) == 0 { // a cycle cannot be made, but never loop forever
			layer, rest = rest, nil
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, c := range layer {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := fn(c); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("container %s: %w", c.Name(), err))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		remaining = rest
	}
	return errors.Join(errs...)
}
