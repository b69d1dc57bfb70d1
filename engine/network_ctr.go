package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/network"
)

// NetworkAttachment is one network a container joins.
type NetworkAttachment struct {
	Network   string   `json:"network"`   // name
	Interface string   `json:"interface"` // eth0, eth1, ...
	Aliases   []string `json:"aliases,omitempty"`
	StaticIPs []string `json:"staticIPs,omitempty"`
	StaticMAC string   `json:"staticMac,omitempty"`
}

// attachmentsArtifact holds a container's networks once connect or
// disconnect changed them; before that they follow from its spec.
const attachmentsArtifact = "berth.networks"

// attachments returns the networks container c joins (none outside bridge
// mode).
func (c *Container) attachments(ctx context.Context) ([]NetworkAttachment, error) {
	if spec.NetworkModeOf(&c.config.Spec) != spec.NetworkBridge {
		return nil, nil
	}
	b, err := c.r.db.Artifact(ctx, c.config.ID, attachmentsArtifact)
	if err != nil {
		b = nil // no connect/disconnect yet: the spec's list
	}
	return c.attachmentsFrom(b)
}

// attachmentsFrom is attachments with the connect/disconnect record
// already read (nil: none), for listings that read all records at once.
func (c *Container) attachmentsFrom(record []byte) ([]NetworkAttachment, error) {
	if record == nil {
		return specAttachments(&c.config.Spec), nil
	}
	var atts []NetworkAttachment
	if err := json.Unmarshal(record, &atts); err != nil {
		return nil, fmt.Errorf("container %s: corrupt network list: %w", c.config.Name, err)
	}
	return atts, nil
}

// networkNames names networks of atts, in order.
func networkNames(atts []NetworkAttachment) []string {
	names := make([]string, len(atts))
	for i, a := range atts {
		names[i] = a.Network
	}
	return names
}

func specAttachments(cs *spec.ContainerSpec) []NetworkAttachment {
	names := cs.Networks
	if len(names) == 0 {
		names = []string{DefaultNetwork}
	}
	atts := make([]NetworkAttachment, len(names))
	for i, n := range names {
		atts[i] = NetworkAttachment{Network: n, Interface: "eth" + strconv.Itoa(i), Aliases: cs.NetworkAliases}
		if i == 0 {
			atts[i].StaticIPs, atts[i].StaticMAC = cs.StaticIPs, cs.StaticMAC
		}
	}
	return atts
}

// checkNetworks runs at creation: every network named must exist (the
// default one is created here on first use), and a container: peer too.
// Names are stored as given, so a network is found again by its name.
func (r *Runtime) checkNetworks(ctx context.Context, cs *spec.ContainerSpec) error {
	mode := spec.NetworkModeOf(cs)
	if p, ok := cutPrefix(mode, spec.NetworkContainerPrefix); ok {
		peer, err := r.LookupContainer(ctx, p)
		if err != nil {
			return err
		}
		cs.NetworkMode = spec.NetworkContainerPrefix + peer.ID()
		return nil
	}
	if mode != spec.NetworkBridge {
		return nil
	}
	if _, err := publishedPorts(cs, nil); err != nil {
		return err
	}
	for i, a := range specAttachments(cs) {
		n, err := r.LookupNetwork(ctx, a.Network)
		if err != nil {
			return err
		}
		if len(cs.Networks) > 0 {
			cs.Networks[i] = n.Name
		}
	}
	return nil
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

// publishedPorts parses -p values and, with -P, adds the image's EXPOSEd
// ports on random host ports.
func publishedPorts(cs *spec.ContainerSpec, img *spec.ImageConfig) ([]network.PortMapping, error) {
	var out []network.PortMapping
	for _, p := range cs.Ports {
		ms, err := network.ParsePublish(p)
		if err != nil {
			return nil, netErr(err)
		}
		out = append(out, ms...)
	}
	if cs.PublishAll && img != nil {
		keys := make([]string, 0, len(img.ExposedPorts))
		for k := range img.ExposedPorts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			m, err := network.ParseExposed(k)
			if err != nil {
				return nil, netErr(err)
			}
			if !slices.ContainsFunc(out, func(o network.PortMapping) bool {
				return o.ContainerPort == m.ContainerPort && o.Protocol == m.Protocol
			}) {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// joinPeer returns the network namespace of a running container for
// --network container:ID, and copies its hosts and resolv.conf.
func (l *Locked) joinPeer(ctx context.Context, ref string) (string, error) {
	peer, err := l.c.r.LookupContainer(ctx, ref)
	if err != nil {
		return "", err
	}
	if err := peer.refresh(ctx); err != nil {
		return "", err
	}
	if !peer.state.running() || peer.state.PID == 0 {
		return "", fmt.Errorf("cannot join the network of container %s: it is not running: %w", peer.Name(), ErrCtrStateInvalid)
	}
	ns := fmt.Sprintf("/proc/%d/ns/net", peer.state.PID)
	if rec, err := l.c.r.readNetRecord(peer.ID()); err == nil && rec != nil && network.IsNetNS(rec.NetNS) {
		ns = rec.NetNS
	}
	src, dst := l.c.r.bundleDir(peer.ID()), l.c.r.bundleDir(l.c.config.ID)
	for _, f := range []string{"hosts", "resolv.conf"} {
		if b, err := os.ReadFile(filepath.Join(src, f)); err == nil {
			if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
				return "", err
			}
		}
	}
	return ns, nil
}

// ContainerNetwork is what inspect and `port` show of a container's network.
type ContainerNetwork struct {
	Networks map[string]EndpointInfo
	Ports    []network.PortMapping
	NetNS    string
}

// EndpointInfo is one network of a running container.
type EndpointInfo struct {
	NetworkID   string   `json:"NetworkID"`
	IPAddress   string   `json:"IPAddress"`
	IPPrefixLen int      `json:"IPPrefixLen"`
	Gateway     string   `json:"Gateway"`
	MacAddress  string   `json:"MacAddress"`
	Aliases     []string `json:"Aliases"`
	Interface   string   `json:"-"`
}

// NetworkInfo reports the live network state of the container (empty when
// it is not running on a bridge).
func (c *Container) NetworkInfo(ctx context.Context) (ContainerNetwork, error) {
	out := ContainerNetwork{Networks: map[string]EndpointInfo{}}
	rec, err := c.r.readNetRecord(c.config.ID)
	if err != nil || rec == nil {
		return out, err
	}
	out.Ports, out.NetNS = rec.Ports, rec.NetNS
	for name, st := range rec.Status {
		var in network.SetupInput
		_ = json.Unmarshal(rec.Setups[name], &in)
		ep := EndpointInfo{Aliases: in.Networks[name].Aliases, NetworkID: in.NetworkInfo[name].ID}
		for ifname, ifc := range st.Interfaces {
			ep.MacAddress, ep.Interface = ifc.MACAddress, ifname
			for _, s := range ifc.Subnets {
				if ep.IPAddress != "" {
					break
				}
				ip, bits, _ := cutSlash(s.IPNet)
				ep.IPAddress, ep.IPPrefixLen, ep.Gateway = ip, bits, s.Gateway
			}
		}
		out.Networks[name] = ep
	}
	return out, nil
}

func cutSlash(ipnet string) (string, int, bool) {
	for i := len(ipnet) - 1; i >= 0; i-- {
		if ipnet[i] == '/' {
			n, err := strconv.Atoi(ipnet[i+1:])
			return ipnet[:i], n, err == nil
		}
	}
	return ipnet, 0, false
}

// ConnectOptions are the per-network options of `network connect`.
type ConnectOptions struct {
	Aliases   []string
	StaticIPs []string
	StaticMAC string
}

// Connect adds the container to a network; a running container gets the
// new interface at once.
func (c *Container) Connect(ctx context.Context, netRef string, opts ConnectOptions) error {
	n, err := c.r.LookupNetwork(ctx, netRef)
	if err != nil {
		return err
	}
	return c.Batch(ctx, func(l *Locked) error {
		if spec.NetworkModeOf(&c.config.Spec) != spec.NetworkBridge {
			return fmt.Errorf("%w: container %s has network mode %s: only bridge containers can join networks", ErrInvalidArg, c.config.Name, spec.NetworkModeOf(&c.config.Spec))
		}
		atts, err := c.attachments(ctx)
		if err != nil {
			return err
		}
		used := map[string]bool{}
		for _, a := range atts {
			if a.Network == n.Name {
				return fmt.Errorf("%w: container %s is already connected to network %s", ErrInvalidArg, c.config.Name, n.Name)
			}
			used[a.Interface] = true
		}
		a := NetworkAttachment{Network: n.Name, Aliases: opts.Aliases, StaticIPs: opts.StaticIPs, StaticMAC: opts.StaticMAC}
		for i := 0; a.Interface == ""; i++ {
			if name := "eth" + strconv.Itoa(i); !used[name] {
				a.Interface = name
			}
		}
		if c.state.running() {
			rec, err := c.r.readNetRecord(c.config.ID)
			if err != nil {
				return err
			}
			if rec == nil || !network.IsNetNS(rec.NetNS) {
				return fmt.Errorf("%w: container %s has no network namespace of berth's", ErrInvalidArg, c.config.Name)
			}
			if err := l.attach(ctx, rec, a, nil); err != nil {
				l.detach(context.WithoutCancel(ctx), rec, n.Name)
				return err
			}
			if err := l.writeNetFiles(rec); err != nil {
				return err
			}
		}
		return c.saveAttachments(ctx, append(atts, a))
	})
}

// Disconnect removes the container from a network.
func (c *Container) Disconnect(ctx context.Context, netRef string, _ bool) error {
	n, err := c.r.LookupNetwork(ctx, netRef)
	if err != nil {
		return err
	}
	return c.Batch(ctx, func(l *Locked) error {
		atts, err := c.attachments(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(atts, func(a NetworkAttachment) bool { return a.Network == n.Name })
		if i < 0 {
			return fmt.Errorf("%w: container %s is not connected to network %s", ErrInvalidArg, c.config.Name, n.Name)
		}
		if c.state.running() {
			rec, err := c.r.readNetRecord(c.config.ID)
			if err != nil {
				return err
			}
			if rec != nil {
				if err := l.detach(ctx, rec, n.Name); err != nil {
					return err
				}
				if err := l.writeNetFiles(rec); err != nil {
					return err
				}
			}
		}
		return c.saveAttachments(ctx, slices.Delete(atts, i, i+1))
	})
}

// detach tears down one network of a running container.
func (l *Locked) detach(ctx context.Context, rec *netRecord, name string) error {
	c := l.c
	in, ok := rec.Setups[name]
	if ok && network.IsNetNS(rec.NetNS) {
		if err := c.r.netDriver().Teardown(ctx, rec.NetNS, in); err != nil {
			warnf("tearing down network %s of %s: %v", name, c.config.Name, err)
		}
	}
	delete(rec.Setups, name)
	delete(rec.Status, name)
	rec.Order = slices.DeleteFunc(rec.Order, func(s string) bool { return s == name })
	if err := c.r.writeNetRecord(c.config.ID, rec); err != nil {
		return err
	}
	return c.r.releaseIPs(ctx, name, c.config.ID)
}

func (c *Container) saveAttachments(ctx context.Context, atts []NetworkAttachment) error {
	b, err := json.Marshal(atts)
	if err != nil {
		return err
	}
	return c.r.db.SetArtifact(ctx, c.config.ID, attachmentsArtifact, b)
}

// reloadNetwork re-runs netavark's setup of every network of a running
// container, which re-adds firewall rules that were flushed: teardown
// first (it tolerates missing rules), then setup with the stored input.
func (l *Locked) reloadNetwork(ctx context.Context) error {
	c := l.c
	if !c.state.running() {
		return fmt.Errorf("%w: container %s is not running", ErrCtrStateInvalid, c.config.Name)
	}
	rec, err := c.r.readNetRecord(c.config.ID)
	if err != nil {
		return err
	}
	if rec == nil || !network.IsNetNS(rec.NetNS) {
		return nil
	}
	d := c.r.netDriver()
	var errs []error
	for _, name := range rec.Order {
		// Keep the MAC address the container has: peers' ARP caches and
		// DHCP-style tooling would otherwise see a new host.
		var in network.SetupInput
		if err := json.Unmarshal(rec.Setups[name], &in); err == nil {
			pn := in.Networks[name]
			if ifc, ok := rec.Status[name].Interfaces[pn.InterfaceName]; ok && pn.StaticMAC == "" {
				pn.StaticMAC = ifc.MACAddress
				in.Networks[name] = pn
				if b, err := json.Marshal(in); err == nil {
					rec.Setups[name] = b
				}
			}
		}
		if err := d.Teardown(ctx, rec.NetNS, rec.Setups[name]); err != nil {
			warnf("reload: tearing down network %s of %s: %v", name, c.config.Name, err)
		}
		st, err := d.Setup(ctx, rec.NetNS, rec.Setups[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("reload: network %s of %s: %w", name, c.config.Name, err))
			continue
		}
		rec.Status[name] = st[name]
	}
	if err := c.r.writeNetRecord(c.config.ID, rec); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
