package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"time"

	"github.com/berthproject/berth/internal/network"
	"github.com/berthproject/berth/internal/state"
)

// Network is a network definition (see internal/network).
type Network = network.Network

// NetworkCreateOptions are what `network create` asks for.
type NetworkCreateOptions = network.CreateOptions

// The default network: created on first use, like podman's "podman"
// network, but on its own bridge and a subnet podman does not use
// (10.88.0.0/16), so both engines can share a host. Like podman's and
// docker's default networks it does not resolve container names.
const (
	DefaultNetwork       = "berth"
	defaultBridge        = "berth0"
	defaultSubnet        = "10.89.0.0/24"
	objNetwork           = "network"
	networksLock         = "networks"
	networkLockPrefix    = "network-"
	userBridgePrefix     = "berth"
	maxBridgeNameCounter = 10000
)

func (r *Runtime) netDriver() *network.Driver {
	return &network.Driver{
		Netavark:  network.DefaultNetavark,
		Aardvark:  network.DefaultAardvark,
		ConfigDir: filepath.Join(r.opts.RunRoot, "networks"),
		HostLock:  network.DefaultHostLock,
		Leases:    network.DefaultLeases,
	}
}

// sharedBridge reports whether n is on the default bridge, which every
// berth root on the host shares: its addresses are leased host-wide.
func sharedBridge(n *Network) bool {
	return n.Driver == network.DriverBridge && n.Interface == defaultBridge
}

// leaseHolder names container id of this root in the host-wide leases.
// The network record exists from before the allocation until after its
// release, and goes with the run root: while it exists the lease is live.
func (r *Runtime) leaseHolder(id string) network.Holder {
	return network.Holder{Root: r.opts.Root, Container: id, Record: r.netRecordPath(id)}
}

// allocate gives container id its addresses on n (under n's lock): from
// n's own allocations, and on the shared bridge also leaving out, and
// leasing, what other roots hold.
func (r *Runtime) allocate(ctx context.Context, n *Network, id string, static []string) (ips []string, err error) {
	if !sharedBridge(n) {
		return n.Allocate(id, static, nil)
	}
	defer phase("init: host-wide lease", time.Now())
	err = r.netDriver().Lease(ctx, r.leaseHolder(id), func(held map[netip.Addr]network.Holder) ([]string, error) {
		ips, err = n.Allocate(id, static, held)
		return ips, err
	})
	return ips, err
}

func decodeNetwork(o state.Object) (*Network, error) {
	n := new(Network)
	if err := json.Unmarshal(o.Data, n); err != nil {
		return nil, fmt.Errorf("network %s: corrupt definition: %w", o.Name, err)
	}
	return n, nil
}

// LookupNetwork finds a network by name, ID or unique ID prefix.
func (r *Runtime) LookupNetwork(ctx context.Context, ref string) (*Network, error) {
	o, err := r.db.LookupObject(ctx, objNetwork, ref)
	if errors.Is(err, state.ErrNotFound) {
		if ref == DefaultNetwork {
			return r.defaultNetwork(ctx)
		}
		return nil, fmt.Errorf("unable to find network with name or ID %s: %w", ref, ErrNoSuchNetwork)
	}
	if errors.Is(err, state.ErrAmbiguous) {
		return nil, fmt.Errorf("network %s: %w", ref, ErrAmbiguous)
	}
	if err != nil {
		return nil, err
	}
	return decodeNetwork(o)
}

// Networks lists every network, the default one included, oldest first.
func (r *Runtime) Networks(ctx context.Context) ([]*Network, error) {
	if _, err := r.LookupNetwork(ctx, DefaultNetwork); err != nil {
		return nil, err
	}
	objs, err := r.db.Objects(ctx, objNetwork)
	if err != nil {
		return nil, err
	}
	out := make([]*Network, 0, len(objs))
	for _, o := range objs {
		n, err := decodeNetwork(o)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// defaultNetwork creates the default network the first time it is needed.
func (r *Runtime) defaultNetwork(ctx context.Context) (*Network, error) {
	n, err := r.CreateNetwork(ctx, NetworkCreateOptions{
		Name: DefaultNetwork, Interface: defaultBridge, Subnets: []string{defaultSubnet}, NoDNS: true,
	})
	// Concurrent first uses race to create it: the losers use the winner's.
	if errors.Is(err, state.ErrExists) || errors.Is(err, ErrNetworkExists) {
		o, err := r.db.LookupObject(ctx, objNetwork, DefaultNetwork)
		if err != nil {
			return nil, err
		}
		return decodeNetwork(o)
	}
	return n, err
}

// CreateNetwork validates and stores a new network. Nothing is set up on
// the host until a container joins it: netavark makes the bridge then.
func (r *Runtime) CreateNetwork(ctx context.Context, o NetworkCreateOptions) (*Network, error) {
	lk, err := r.locks.Lock(ctx, networksLock)
	if err != nil {
		return nil, err
	}
	defer lk.Unlock()
	existing, err := r.db.Objects(ctx, objNetwork)
	if err != nil {
		return nil, err
	}
	var taken []netip.Prefix
	bridges := map[string]bool{}
	for _, obj := range existing {
		if obj.Name == o.Name {
			return nil, fmt.Errorf("network name %s already used: %w", o.Name, ErrNetworkExists)
		}
		n, err := decodeNetwork(obj)
		if err != nil {
			return nil, err
		}
		taken = append(taken, n.Prefixes()...)
		bridges[n.Interface] = true
	}
	if o.Name != DefaultNetwork {
		// The default network's subnet stays reserved before it exists.
		taken = append(taken, netip.MustParsePrefix(defaultSubnet))
	}
	taken = append(taken, network.HostRoutes(o.Interface)...)
	if o.Interface != "" && bridges[o.Interface] {
		return nil, fmt.Errorf("%w: interface name %s is already used by another network", ErrInvalidArg, o.Interface)
	}
	bridge := ""
	for i := 1; i < maxBridgeNameCounter && bridge == ""; i++ {
		if b := fmt.Sprintf("%s%d", userBridgePrefix, i); !bridges[b] && !network.LinkExists(b) {
			bridge = b
		}
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	n, err := network.Build(o, id, time.Now(), taken, bridge)
	if err != nil {
		return nil, netErr(err)
	}
	data, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	if err := r.db.AddObject(ctx, state.Object{Kind: objNetwork, ID: n.ID, Name: n.Name, Created: n.Created, Data: data}); err != nil {
		if errors.Is(err, state.ErrExists) {
			return nil, fmt.Errorf("network name %s already used: %w: %w", o.Name, ErrNetworkExists, err)
		}
		return nil, err
	}
	return n, nil
}

// netErr classifies internal/network's errors.
func netErr(err error) error {
	switch {
	case errors.Is(err, network.ErrInvalid), errors.Is(err, network.ErrOverlap), errors.Is(err, network.ErrIPInUse):
		return fmt.Errorf("%w: %w", ErrInvalidArg, err)
	case errors.Is(err, network.ErrPortInUse):
		var pe *network.PortInUseError
		if errors.As(err, &pe) {
			return fmt.Errorf("cannot publish host port %s: %w", pe.Addr, ErrPortInUse)
		}
		return fmt.Errorf("%w: %w", ErrPortInUse, err)
	}
	return err
}

// updateNetwork re-reads network id under its lock, applies fn and saves
// the result. A network removed meanwhile wraps ErrNoSuchNetwork.
func (r *Runtime) updateNetwork(ctx context.Context, id string, fn func(*Network) (changed bool, err error)) error {
	lk, err := r.locks.Lock(ctx, networkLockPrefix+id)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	return r.updateNetworkLocked(ctx, id, fn)
}

func (r *Runtime) updateNetworkLocked(ctx context.Context, id string, fn func(*Network) (bool, error)) error {
	o, err := r.db.LookupObject(ctx, objNetwork, id)
	if errors.Is(err, state.ErrNotFound) {
		return fmt.Errorf("network %s: %w", id, ErrNoSuchNetwork)
	}
	if err != nil {
		return err
	}
	n, err := decodeNetwork(o)
	if err != nil {
		return err
	}
	changed, err := fn(n)
	if err != nil || !changed {
		return err
	}
	data, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return r.db.SetObjectData(ctx, objNetwork, n.ID, data)
}

// NetworkRemoveOptions tune RemoveNetwork.
type NetworkRemoveOptions struct {
	Force bool // remove the containers that use it first
}

// RemoveNetwork deletes a network. Containers using it (in any state)
// block the removal unless Force, which removes them.
func (r *Runtime) RemoveNetwork(ctx context.Context, ref string, opts NetworkRemoveOptions) error {
	n, err := r.LookupNetwork(ctx, ref)
	if err != nil {
		return err
	}
	users, err := r.networkUsers(ctx, n.Name)
	if err != nil {
		return err
	}
	if len(users) > 0 && !opts.Force {
		return fmt.Errorf("network %s is used by %d container(s) (%s): %w", n.Name, len(users), users[0].Name(), ErrNetworkInUse)
	}
	if err := r.removeNetworkUsers(ctx, users); err != nil {
		return err
	}
	lk, err := r.locks.Lock(ctx, networkLockPrefix+n.ID)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if err := r.db.RemoveObject(ctx, objNetwork, n.ID); err != nil {
		return err
	}
	if n.Driver == network.DriverBridge {
		r.removeBridge(ctx, n)
	}
	return r.locks.Remove(networkLockPrefix + n.ID)
}

// removeNetworkUsers removes the containers of network rm -f. A pod's
// infra container goes with its pod, members included (as in podman 4.3):
// the members share the infra's namespaces, and a pod without its infra
// cannot start again.
func (r *Runtime) removeNetworkUsers(ctx context.Context, users []*Container) error {
	for _, c := range users {
		err := r.removePodOfInfra(ctx, c)
		if errors.Is(err, ErrNoSuchPod) {
			// Not an infra container, or its pod is gone already.
			err = c.Remove(ctx, RemoveOptions{Force: true})
		}
		if err != nil && !errors.Is(err, ErrNoSuchCtr) {
			return err
		}
	}
	return nil
}

// removePodOfInfra force-removes the pod whose infra container c is;
// ErrNoSuchPod when c is no pod's infra container.
func (r *Runtime) removePodOfInfra(ctx context.Context, c *Container) error {
	cs := &c.config.Spec
	if !cs.PodInfra || cs.Pod == "" {
		return ErrNoSuchPod
	}
	p, err := r.podByID(ctx, cs.Pod)
	if err != nil {
		return err
	}
	return p.Remove(ctx, true)
}

// removeBridge deletes what the network has on the host: the bridge kept
// between containers (internal/network/keeper.go), its chains and rules.
// It does not fail the removal: the network is gone from the database, and
// what is left on the host is reported.
func (r *Runtime) removeBridge(ctx context.Context, n *Network) {
	scratch := filepath.Join(r.netnsDir(), "bridge-"+n.ID[:12])
	if err := r.netDriver().RemoveBridge(ctx, n.Info(), scratch); err != nil {
		warnf("network %s: %v", n.Name, err)
	}
	// What a crash of an older berth may have left.
	network.RemoveIdle(ctx, n.Name, n.Interface)
}

// networkUsers returns the containers configured to join network name.
func (r *Runtime) networkUsers(ctx context.Context, name string) ([]*Container, error) {
	recs, err := r.db.Containers(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Container
	for _, rec := range recs {
		c, err := decodeContainer(r, rec)
		if err != nil {
			continue
		}
		atts, err := c.attachments(ctx)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(atts, func(a NetworkAttachment) bool { return a.Network == name }) {
			out = append(out, c)
		}
	}
	return out, nil
}

// PruneNetworks removes every network no container uses, except the
// default one, and returns their names.
func (r *Runtime) PruneNetworks(ctx context.Context, keep func(*Network) bool) ([]string, error) {
	nets, err := r.Networks(ctx)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, n := range nets {
		if n.Name == DefaultNetwork || (keep != nil && keep(n)) {
			continue
		}
		users, err := r.networkUsers(ctx, n.Name)
		if err != nil {
			return removed, err
		}
		if len(users) > 0 {
			continue
		}
		if err := r.RemoveNetwork(ctx, n.ID, NetworkRemoveOptions{}); err != nil && !errors.Is(err, ErrNetworkInUse) {
			return removed, err
		}
		removed = append(removed, n.Name)
	}
	return removed, nil
}

// PortMapping is a published port range (see internal/network).
type PortMapping = network.PortMapping
