package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/network"
)

// Network hooks of the lifecycle, called from fillBundle (setup) and
// teardown.
//
// Crash safety: the record <runroot>/netns/<id>.json names the namespace
// and holds the exact netavark input of every network set up in it. It is
// written before the namespace is made and before each netavark call, so a
// berth killed at any point leaves a record from which teardownNetwork (run
// by the next start, cleanup or rm -f) undoes everything.

// netRecord is a container's live network state.
type netRecord struct {
	NetNS string `json:"netns"`
	// Setups maps a network name to the exact netavark input of its setup.
	Setups map[string]json.RawMessage `json:"setups,omitempty"`
	// Order lists the networks in the order they were set up.
	Order  []string                  `json:"order,omitempty"`
	Status map[string]network.Status `json:"status,omitempty"`
	// Ports are the published ports with their host ports resolved.
	Ports []network.PortMapping `json:"ports,omitempty"`
}

func (r *Runtime) netnsDir() string               { return filepath.Join(r.opts.RunRoot, "netns") }
func (r *Runtime) netRecordPath(id string) string { return filepath.Join(r.netnsDir(), id+".json") }

func (r *Runtime) readNetRecord(id string) (*netRecord, error) {
	b, err := os.ReadFile(r.netRecordPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rec := new(netRecord)
	if err := json.Unmarshal(b, rec); err != nil {
		// A torn write: the namespace path is all teardown needs.
		rec.NetNS = filepath.Join(r.netnsDir(), id)
	}
	return rec, nil
}

// writeNetRecord replaces the record atomically.
func (r *Runtime) writeNetRecord(id string, rec *netRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.netnsDir(), 0o700); err != nil {
		return err
	}
	tmp := r.netRecordPath(id) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, r.netRecordPath(id))
}

// publishesPorts reports whether setupNetwork will reserve host ports that
// conmon must inherit (so conmon cannot be started before it).
func (l *Locked) publishesPorts() bool {
	cs := &l.c.config.Spec
	mode := spec.NetworkModeOf(cs)
	if mode == spec.NetworkNone || mode == spec.NetworkHost ||
		strings.HasPrefix(mode, spec.NetworkNSPrefix) || strings.HasPrefix(mode, spec.NetworkContainerPrefix) {
		return false
	}
	ports, err := publishedPorts(cs, &l.c.config.ImageConfig)
	return err != nil || len(ports) > 0
}

// setupNetwork prepares the container's network before the runtime
// creates it and returns the network namespace path for the OCI spec ("":
// the runtime makes a private one, as for --network none; host mode
// shares the host's and ignores the path).
func (l *Locked) setupNetwork(ctx context.Context) (netnsPath string, err error) {
	c := l.c
	cs := &c.config.Spec
	mode := spec.NetworkModeOf(cs)
	switch {
	case mode == spec.NetworkNone, mode == spec.NetworkHost:
		return "", nil
	case strings.HasPrefix(mode, spec.NetworkNSPrefix):
		p := strings.TrimPrefix(mode, spec.NetworkNSPrefix)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: network namespace %s: %w", ErrInvalidArg, p, err)
		}
		return p, nil
	case strings.HasPrefix(mode, spec.NetworkContainerPrefix):
		return l.joinPeer(ctx, strings.TrimPrefix(mode, spec.NetworkContainerPrefix))
	}
	t0 := time.Now()
	// What an earlier, interrupted start left behind goes first.
	if err := l.teardownNetwork(ctx); err != nil {
		return "", err
	}
	atts, err := c.attachments(ctx)
	if err != nil {
		return "", err
	}
	ports, err := publishedPorts(cs, &c.config.ImageConfig)
	if err != nil {
		return "", err
	}
	files, ports, err := network.Reserve(ports)
	if err != nil {
		return "", netErr(err)
	}
	l.portFiles = files
	rec := &netRecord{NetNS: filepath.Join(c.r.netnsDir(), c.config.ID), Ports: ports}
	defer func() {
		if err != nil {
			network.CloseAll(l.portFiles)
			l.portFiles = nil
			if terr := l.teardownNetwork(context.WithoutCancel(ctx)); terr != nil {
				err = fmt.Errorf("%w (and cleaning up: %v)", err, terr)
			}
		}
	}()
	if err := c.r.writeNetRecord(c.config.ID, rec); err != nil {
		return "", err
	}
	if err := network.NewNetNS(rec.NetNS); err != nil {
		return "", err
	}
	// netavark only needs the namespace, and the runtime only its path:
	// netavark's setup (50-250 ms of iptables calls) runs while the runtime
	// creates the container, and waitNetwork collects it before the
	// container's process can start. (No sysctl the runtime applies in the
	// namespace may depend on netavark's interfaces: berth sets none.)
	//
	// Not with name resolution: netavark signals aardvark-dns to reload and
	// returns before it serves again, and a process started right away
	// finds no DNS server (seen as "bad address"). The runtime's create,
	// after the setup, gives aardvark that time, as it does for podman.
	if l.usesDNS(ctx, atts) {
		err := l.attachAll(ctx, rec, atts, ports)
		phase("init: network", t0)
		return rec.NetNS, err
	}
	done := make(chan error, 1)
	go func() {
		defer phase("init: network", t0)
		done <- l.attachAll(ctx, rec, atts, ports)
	}()
	l.netPending = done
	return rec.NetNS, nil
}

// usesDNS reports whether one of the networks resolves names
// (aardvark-dns); an unknown network counts as one, so that its error comes
// from the synchronous path.
func (l *Locked) usesDNS(ctx context.Context, atts []NetworkAttachment) bool {
	for _, a := range atts {
		n, err := l.c.r.LookupNetwork(ctx, a.Network)
		if err != nil || n.DNS {
			return true
		}
	}
	return false
}

// attachAll attaches the container to each of its networks and writes the
// hosts and resolv.conf that follow from the setup.
func (l *Locked) attachAll(ctx context.Context, rec *netRecord, atts []NetworkAttachment, ports []network.PortMapping) error {
	for i, a := range atts {
		p := ports
		if i > 0 {
			p = nil // published once, on the first network
		}
		if err := l.attach(ctx, rec, a, p); err != nil {
			return err
		}
	}
	return l.writeNetFiles(rec)
}

// waitNetwork waits for the setup setupNetwork started. On failure it
// tears the network down and returns the setup's error.
func (l *Locked) waitNetwork(ctx context.Context) error {
	if l.netPending == nil {
		return nil
	}
	err := <-l.netPending
	l.netPending = nil
	if err == nil {
		return nil
	}
	l.closePortFiles()
	if terr := l.teardownNetwork(context.WithoutCancel(ctx)); terr != nil {
		err = fmt.Errorf("%w (and cleaning up: %v)", err, terr)
	}
	return err
}

// attach allocates addresses on network a.Network, records the netavark
// input and runs the setup.
func (l *Locked) attach(ctx context.Context, rec *netRecord, a NetworkAttachment, ports []network.PortMapping) error {
	c := l.c
	n, err := c.r.LookupNetwork(ctx, a.Network)
	if err != nil {
		return err
	}
	var ips []string
	err = c.r.updateNetwork(ctx, n.ID, func(n *Network) (bool, error) {
		ips, err = c.r.allocate(ctx, n, c.config.ID, a.StaticIPs)
		return err == nil, err
	})
	if err != nil {
		return netErr(err)
	}
	in := network.SetupInput{
		ContainerID:   c.config.ID,
		ContainerName: c.config.Name,
		Networks: map[string]network.PerNetwork{n.Name: {
			InterfaceName: a.Interface,
			StaticIPs:     nonEmpty(ips),
			Aliases:       a.Aliases,
			StaticMAC:     a.StaticMAC,
		}},
		NetworkInfo:  map[string]network.NetavarkInfo{n.Name: n.Info()},
		PortMappings: ports,
		DNSServers:   c.config.Spec.DNSServers,
	}
	if in.PortMappings == nil {
		in.PortMappings = []network.PortMapping{}
	}
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if rec.Setups == nil {
		rec.Setups = map[string]json.RawMessage{}
		rec.Status = map[string]network.Status{}
	}
	rec.Setups[n.Name] = b
	rec.Order = append(rec.Order, n.Name)
	if err := c.r.writeNetRecord(c.config.ID, rec); err != nil {
		return err
	}
	st, err := c.r.netDriver().Setup(ctx, rec.NetNS, b)
	if err != nil {
		return fmt.Errorf("setting up network %s: %w", n.Name, err)
	}
	rec.Status[n.Name] = st[n.Name]
	return c.r.writeNetRecord(c.config.ID, rec)
}

func nonEmpty(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// writeNetFiles rewrites hosts and resolv.conf in the bundle from what the
// setup reported.
func (l *Locked) writeNetFiles(rec *netRecord) error {
	c := l.c
	var ni spec.NetInfo
	for _, name := range rec.Order {
		st := rec.Status[name]
		for _, ifc := range st.Interfaces {
			for _, s := range ifc.Subnets {
				ni.IPs = append(ni.IPs, strings.Split(s.IPNet, "/")[0])
				if ni.Gateway == "" {
					ni.Gateway = s.Gateway
				}
			}
		}
		if len(st.DNSSearchDomains) > 0 || len(ni.Nameservers) > 0 {
			for _, ns := range st.DNSServerIPs {
				if !contains(ni.Nameservers, ns) {
					ni.Nameservers = append(ni.Nameservers, ns)
				}
			}
			for _, d := range st.DNSSearchDomains {
				if !contains(ni.Search, d) {
					ni.Search = append(ni.Search, d)
				}
			}
		}
	}
	files, err := spec.NetworkRunFiles(&c.config.Spec, c.config.ID, ni)
	if err != nil {
		return err
	}
	bundle := c.r.bundleDir(c.config.ID)
	for name, data := range files {
		// Rewritten in place: a running container has them bind-mounted.
		if err := os.WriteFile(filepath.Join(bundle, name), data, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// teardownNetwork releases what setupNetwork made; it must tolerate being
// called again and after a crash half-way through setup. netavark's
// errors are reported but do not stop the rest of the cleanup.
func (l *Locked) teardownNetwork(ctx context.Context) error {
	c := l.c
	rec, err := c.r.readNetRecord(c.config.ID)
	if err != nil || rec == nil {
		return err
	}
	t0 := time.Now()
	defer phase("teardown: network", t0)
	var errs []error
	if network.IsNetNS(rec.NetNS) {
		for i := len(rec.Order) - 1; i >= 0; i-- {
			name := rec.Order[i]
			if err := c.r.netDriver().Teardown(ctx, rec.NetNS, rec.Setups[name]); err != nil {
				warnf("tearing down network %s of %s: %v", name, c.config.Name, err)
			}
		}
	}
	if err := network.RemoveNetNS(rec.NetNS); err != nil {
		errs = append(errs, err)
	}
	for _, name := range rec.Order {
		if err := c.r.releaseIPs(ctx, name, c.config.ID); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		if err := os.Remove(c.r.netRecordPath(c.config.ID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// releaseIPs frees container id's addresses on network name, and their
// host-wide leases on the shared bridge; a network removed meanwhile has
// nothing to free. The lease goes last: while this root still has the
// allocation, no other root may take the address.
func (r *Runtime) releaseIPs(ctx context.Context, name, id string) error {
	n, err := r.LookupNetwork(ctx, name)
	if errors.Is(err, ErrNoSuchNetwork) {
		return nil
	}
	if err != nil {
		return err
	}
	err = r.updateNetwork(ctx, n.ID, func(n *Network) (bool, error) { return n.Release(id), nil })
	if err != nil && !errors.Is(err, ErrNoSuchNetwork) {
		return err
	}
	if sharedBridge(n) {
		defer phase("teardown: host-wide lease", time.Now())
		return r.netDriver().Unlease(ctx, r.leaseHolder(id))
	}
	return nil
}

// warnf reports a problem that does not fail the operation.
func warnf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "WARN: "+format+"\n", a...)
}

// closePortFiles drops berth's copies of the reserved host ports once
// conmon holds its own (or the start failed).
func (l *Locked) closePortFiles() {
	network.CloseAll(l.portFiles)
	l.portFiles = nil
}
