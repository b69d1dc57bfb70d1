package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// FreeNetworkName returns the first unused name of the form berthN, for
// `network create` without a name.
func (r *Runtime) FreeNetworkName(ctx context.Context) (string, error) {
	nets, err := r.Networks(ctx)
	if err != nil {
		return "", err
	}
	used := map[string]bool{}
	for _, n := range nets {
		used[n.Name] = true
	}
	for i := 1; ; i++ {
		if name := fmt.Sprintf("%s%d", userBridgePrefix, i); !used[name] {
			return name, nil
		}
	}
}

// NetworkExists reports whether ref names a network.
func (r *Runtime) NetworkExists(ctx context.Context, ref string) (bool, error) {
	_, err := r.LookupNetwork(ctx, ref)
	if errors.Is(err, ErrNoSuchNetwork) {
		return false, nil
	}
	return err == nil, err
}

// ListNetworks returns the networks matching every filter KEY=VALUE:
// name (regular expression), id (prefix), driver, label=KEY[=VALUE],
// dangling=true|false (no container uses it). Values of the same key are
// alternatives.
func (r *Runtime) ListNetworks(ctx context.Context, filters []string) ([]*Network, error) {
	nets, err := r.Networks(ctx)
	if err != nil {
		return nil, err
	}
	byKey := map[string][]string{}
	for _, f := range filters {
		k, v, ok := strings.Cut(f, "=")
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: invalid filter %q: want KEY=VALUE", ErrInvalidArg, f)
		case k == "name" || k == "id" || k == "driver" || k == "label" || k == "label!" || k == "dangling":
		default:
			return nil, fmt.Errorf("%w: unsupported network filter %q (name, id, driver, label, dangling)", ErrInvalidArg, k)
		}
		if k == "name" {
			if _, err := regexp.Compile(v); err != nil {
				return nil, fmt.Errorf("%w: filter name=%s: %w", ErrInvalidArg, v, err)
			}
		}
		byKey[k] = append(byKey[k], v)
	}
	var out []*Network
	for _, n := range nets {
		ok := true
		for k, vals := range byKey {
			any := false
			for _, v := range vals {
				m, err := r.matchNetwork(ctx, n, k, v)
				if err != nil {
					return nil, err
				}
				any = any || m
			}
			if k == "label!" {
				any = true
				for _, v := range vals {
					if m, _ := r.matchNetwork(ctx, n, "label", v); m {
						any = false
					}
				}
			}
			ok = ok && any
		}
		if ok {
			out = append(out, n)
		}
	}
	return out, nil
}

func (r *Runtime) matchNetwork(ctx context.Context, n *Network, k, v string) (bool, error) {
	switch k {
	case "name":
		return regexp.MustCompile(v).MatchString(n.Name), nil
	case "id":
		return strings.HasPrefix(n.ID, v), nil
	case "driver":
		return n.Driver == v, nil
	case "label", "label!":
		lk, lv, hasV := strings.Cut(v, "=")
		got, ok := n.Labels[lk]
		return ok && (!hasV || got == lv), nil
	case "dangling":
		users, err := r.networkUsers(ctx, n.Name)
		return (len(users) == 0) == (v == "true" || v == "1"), err
	}
	return false, nil
}

// PruneNetworksFiltered is PruneNetworks limited to networks matching
// the label filters.
func (r *Runtime) PruneNetworksFiltered(ctx context.Context, filters []string) ([]string, error) {
	for _, f := range filters {
		if k, _, _ := strings.Cut(f, "="); k != "label" && k != "label!" {
			return nil, fmt.Errorf("%w: unsupported prune filter %q (label, label!)", ErrInvalidArg, f)
		}
	}
	match, err := r.ListNetworks(ctx, filters)
	if err != nil {
		return nil, err
	}
	ok := map[string]bool{}
	for _, n := range match {
		ok[n.ID] = true
	}
	return r.PruneNetworks(ctx, func(n *Network) bool { return !ok[n.ID] })
}

// NetworkInspect is `network inspect` output: the definition plus the
// containers attached now.
type NetworkInspect struct {
	*Network
	Containers map[string]NetworkContainer `json:"containers"`
}

// NetworkContainer is one running container on a network.
type NetworkContainer struct {
	Name       string   `json:"name"`
	Interface  string   `json:"interface"`
	IPAddress  string   `json:"ip_address"`
	MacAddress string   `json:"mac_address"`
	Aliases    []string `json:"aliases,omitempty"`
}

// InspectNetwork returns a network and its running containers.
func (r *Runtime) InspectNetwork(ctx context.Context, ref string) (NetworkInspect, error) {
	n, err := r.LookupNetwork(ctx, ref)
	if err != nil {
		return NetworkInspect{}, err
	}
	d := NetworkInspect{Network: n, Containers: map[string]NetworkContainer{}}
	ids := make([]string, 0, len(n.Allocations))
	for id := range n.Allocations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		c, err := r.LookupContainer(ctx, id)
		if err != nil {
			continue
		}
		info, err := c.NetworkInfo(ctx)
		if err != nil {
			continue
		}
		if ep, ok := info.Networks[n.Name]; ok {
			d.Containers[id] = NetworkContainer{Name: c.Name(), Interface: ep.Interface, IPAddress: ep.IPAddress, MacAddress: ep.MacAddress, Aliases: ep.Aliases}
		}
	}
	return d, nil
}

// ConnectContainer is Container.Connect by reference.
func (r *Runtime) ConnectContainer(ctx context.Context, ctrRef, netRef string, opts ConnectOptions) error {
	c, err := r.LookupContainer(ctx, ctrRef)
	if err != nil {
		return err
	}
	return c.Connect(ctx, netRef, opts)
}

// DisconnectContainer is Container.Disconnect by reference.
func (r *Runtime) DisconnectContainer(ctx context.Context, ctrRef, netRef string) error {
	c, err := r.LookupContainer(ctx, ctrRef)
	if err != nil {
		return err
	}
	return c.Disconnect(ctx, netRef, false)
}

// ReloadNetworks re-applies the network setup (and so the firewall rules,
// after an `iptables -F` or a firewalld reload) of running containers:
// refs, or with all every running bridge container. It returns the IDs
// done.
func (r *Runtime) ReloadNetworks(ctx context.Context, refs []string, all bool) ([]string, error) {
	if all {
		list, err := r.ListContainers(ctx, ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			refs = append(refs, e.ID)
		}
	}
	var done []string
	var errs []error
	for _, ref := range refs {
		c, err := r.LookupContainer(ctx, ref)
		if err == nil {
			err = c.Batch(ctx, func(l *Locked) error { return l.reloadNetwork(ctx) })
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		done = append(done, c.ID())
	}
	return done, errors.Join(errs...)
}
