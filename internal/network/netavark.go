package network

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Default locations of Debian's netavark packages (notes/netavark.md §2).
const (
	DefaultNetavark = "/usr/lib/podman/netavark"
	DefaultAardvark = "/usr/lib/podman/aardvark-dns"
)

// ErrNetavark wraps a failure reported by netavark itself.
var ErrNetavark = errors.New("netavark")

// Driver runs netavark. ConfigDir holds aardvark-dns's files; it must be
// volatile (a run root) because aardvark's entries die with the boot.
type Driver struct {
	Netavark  string
	Aardvark  string
	ConfigDir string
	// HostLock is a file every berth on the host locks around netavark:
	// bridges and iptables are host-wide, netavark 1.4.0 takes no lock of
	// its own around them, and berths with different run roots (tests,
	// several users of --root) share the default bridge. "" = no lock.
	HostLock string
	// Leases is the host-wide lease file of the default bridge, which
	// berths with different roots share (leases.go). "" = no leases.
	Leases string
}

// DefaultHostLock is the host-wide netavark lock file.
const DefaultHostLock = "/run/lock/berth-netavark.lock"

// SetupInput is netavark 1.4.0's NetworkOptions (notes/netavark.md §3).
type SetupInput struct {
	ContainerID   string                  `json:"container_id"`
	ContainerName string                  `json:"container_name"`
	Networks      map[string]PerNetwork   `json:"networks"`
	NetworkInfo   map[string]NetavarkInfo `json:"network_info"`
	PortMappings  []PortMapping           `json:"port_mappings"`
	DNSServers    []string                `json:"dns_servers,omitempty"`
}

// PerNetwork is one container's options on one network.
type PerNetwork struct {
	InterfaceName string   `json:"interface_name"`
	StaticIPs     []string `json:"static_ips,omitempty"`
	Aliases       []string `json:"aliases,omitempty"`
	StaticMAC     string   `json:"static_mac,omitempty"`
}

// NetavarkInfo is a network definition in netavark's input format.
type NetavarkInfo struct {
	Name             string            `json:"name"`
	ID               string            `json:"id"`
	Driver           string            `json:"driver"`
	NetworkInterface string            `json:"network_interface,omitempty"`
	Subnets          []NetavarkSubnet  `json:"subnets,omitempty"`
	IPv6Enabled      bool              `json:"ipv6_enabled"`
	Internal         bool              `json:"internal"`
	DNSEnabled       bool              `json:"dns_enabled"`
	Options          map[string]string `json:"options,omitempty"`
	IPAMOptions      map[string]string `json:"ipam_options,omitempty"`
}

// NetavarkSubnet is one subnet in netavark's format.
type NetavarkSubnet struct {
	Subnet  string `json:"subnet"`
	Gateway string `json:"gateway,omitempty"`
}

// Info converts n to netavark's format.
func (n *Network) Info() NetavarkInfo {
	ni := NetavarkInfo{
		Name: n.Name, ID: n.ID, Driver: n.Driver, NetworkInterface: n.Interface,
		IPv6Enabled: n.IPv6, Internal: n.Internal, DNSEnabled: n.DNS,
		Options:     n.Options,
		IPAMOptions: map[string]string{"driver": "host-local"},
	}
	for _, s := range n.Subnets {
		ni.Subnets = append(ni.Subnets, NetavarkSubnet{Subnet: s.Subnet, Gateway: s.Gateway})
	}
	return ni
}

// Status is netavark's setup result for one network.
type Status struct {
	DNSSearchDomains []string                   `json:"dns_search_domains,omitempty"`
	DNSServerIPs     []string                   `json:"dns_server_ips,omitempty"`
	Interfaces       map[string]InterfaceStatus `json:"interfaces,omitempty"`
}

// InterfaceStatus is one interface in the container.
type InterfaceStatus struct {
	MACAddress string      `json:"mac_address"`
	Subnets    []NetStatus `json:"subnets,omitempty"`
}

// NetStatus is one address of an interface.
type NetStatus struct {
	IPNet   string `json:"ipnet"`
	Gateway string `json:"gateway,omitempty"`
}

// Setup runs `netavark setup` for in on the namespace at netns. Every
// bridge in in then gets its keeper (keeper.go), under the same lock, so
// that no teardown elsewhere can see the bridge without it.
func (d *Driver) Setup(ctx context.Context, netns string, in []byte) (map[string]Status, error) {
	unlock, err := d.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out, err := d.exec(ctx, "setup", netns, in)
	if err != nil {
		return nil, err
	}
	var st map[string]Status
	if err := json.Unmarshal(out, &st); err != nil {
		return nil, fmt.Errorf("%w: unreadable setup result %q: %w", ErrNetavark, oneLine(out), err)
	}
	keepBridges(in)
	return st, nil
}

// keepBridges attaches a keeper to every bridge in the setup input. A
// bridge without one still works: netavark then rebuilds it for each
// container, which is only slower, so a failure here is not reported.
func keepBridges(in []byte) {
	var si SetupInput
	if json.Unmarshal(in, &si) != nil {
		return
	}
	for _, ni := range si.NetworkInfo {
		if ni.Driver == DriverBridge && ni.NetworkInterface != "" {
			_ = ensureKeeper(ni.NetworkInterface)
		}
	}
}

// Teardown runs `netavark teardown` with the exact input of the setup.
func (d *Driver) Teardown(ctx context.Context, netns string, in []byte) error {
	unlock, err := d.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	_, err = d.exec(ctx, "teardown", netns, in)
	return err
}

// lock takes the host-wide netavark lock, if the driver has one.
func (d *Driver) lock(ctx context.Context) (func(), error) {
	if d.HostLock == "" {
		return func() {}, nil
	}
	return flock(ctx, d.HostLock)
}

func (d *Driver) exec(ctx context.Context, verb, netns string, in []byte) ([]byte, error) {
	if err := os.MkdirAll(d.ConfigDir, 0o700); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, d.Netavark,
		"--config", d.ConfigDir, "--rootless", "false", "--aardvark-binary", d.Aardvark,
		verb, netns)
	// iptables lives in /usr/sbin. /usr/bin is left out on purpose: with
	// systemd-run on PATH (and /run/systemd/system present) netavark starts
	// aardvark-dns through it, which fails without a systemd bus and leaves
	// DNS silently off (notes/netavark.md §2).
	cmd.Env = []string{"PATH=/usr/sbin:/sbin"}
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w %s: %s", ErrNetavark, verb, failure(stdout.Bytes(), stderr.Bytes(), err))
	}
	return stdout.Bytes(), nil
}

// failure picks netavark's {"error": "..."} message from stdout, else the
// last stderr line, else the exec error.
func failure(stdout, stderr []byte, err error) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(bytes.TrimSpace(stdout), &e) == nil && e.Error != "" {
		return e.Error
	}
	lines := strings.Split(strings.TrimSpace(string(stderr)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.Contains(l, "failed to connect to syslog") {
			return l
		}
	}
	return err.Error()
}

func oneLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// flock takes an exclusive lock on path, waiting until ctx ends.
func flock(ctx context.Context, path string) (func(), error) {
	f, err := lockFile(ctx, path)
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}

// lockFile opens (creating) path and takes an exclusive flock on it,
// waiting until ctx ends; closing the file releases the lock. A symlink
// is refused: the lock directory may be writable by everyone.
func lockFile(ctx context.Context, path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	for delay := time.Millisecond; ; {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the lock %s: %w", path, ctx.Err())
		case <-time.After(delay):
		}
		if delay < 20*time.Millisecond {
			delay *= 2
		}
	}
}
