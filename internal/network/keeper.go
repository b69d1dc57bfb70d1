package network

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// A bridge's keeper is a link with no traffic, attached to the bridge as a
// port, that keeps a network's bridge and firewall rules alive between
// containers, as docker keeps docker0 and its br-* bridges for as long as
// the network exists.
//
// Why: netavark 1.4.0 removes the bridge, its chains and its rules when the
// last container leaves (it counts the bridge's ports: one left means
// "complete teardown"), and builds them again for the next container. On
// nf_tables every rule or chain deletion waits for an RCU grace period, so
// that cycle costs ~250 ms of every `run --rm` on an otherwise idle network.
// With the keeper attached no container is ever the last port: netavark
// only adds and removes the container's veth. RemoveBridge takes the
// keeper away again when the network is removed, so that netavark itself
// deletes what it made.
//
// The keeper is a dummy link where the kernel has the dummy driver, else
// an ifb link (this machine's kernel has no dummy driver); either kind
// drops whatever the bridge floods to it.

// KeeperName is the name of bridge's keeper link: "<bridge>-keep", or a
// hash for bridge names too long for that (interface names have at most 15
// bytes).
func KeeperName(bridge string) string {
	if n := bridge + "-keep"; len(n) < unix.IFNAMSIZ {
		return n
	}
	sum := sha256.Sum256([]byte(bridge))
	return "bk-" + hex.EncodeToString(sum[:])[:12]
}

// ensureKeeper attaches a keeper to bridge unless it has one. The caller
// holds the host-wide netavark lock.
func ensureKeeper(bridge string) error {
	name := KeeperName(bridge)
	if LinkExists(name) {
		return nil
	}
	br, err := net.InterfaceByName(bridge)
	if err != nil {
		return fmt.Errorf("bridge %s: %w", bridge, err)
	}
	var errs []error
	for _, kind := range []string{"dummy", "ifb"} { // in order of preference
		err := newLink(name, kind, br.Index)
		if err == nil || errors.Is(err, unix.EEXIST) {
			return pinAddress(br)
		}
		errs = append(errs, fmt.Errorf("%s: %w", kind, err))
	}
	return fmt.Errorf("adding keeper %s to bridge %s: %w", name, bridge, errors.Join(errs...))
}

// pinAddress sets the bridge's MAC address to the one it has. A bridge
// whose address was never set takes the lowest of its ports' addresses, so
// it would change whenever a container's veth with a lower one came or
// went, and the containers' ARP entries for the gateway would go stale; on
// a bridge that lives as long as its network that would happen all the
// time. An address set explicitly stays.
func pinAddress(br *net.Interface) error {
	if len(br.HardwareAddr) == 0 {
		return nil
	}
	if cur, err := net.InterfaceByIndex(br.Index); err == nil && len(cur.HardwareAddr) > 0 {
		br = cur // the keeper may have just changed it
	}
	err := rtnlRequest(unix.RTM_NEWLINK, 0, unix.IfInfomsg{Family: unix.AF_UNSPEC, Index: int32(br.Index)},
		rtattr(unix.IFLA_ADDRESS, br.HardwareAddr))
	if err != nil {
		return fmt.Errorf("pinning the address of bridge %s: %w", br.Name, err)
	}
	return nil
}

// removeKeeper deletes bridge's keeper; a missing one is not an error.
func removeKeeper(bridge string) error {
	err := delLink(KeeperName(bridge))
	if err == nil || errors.Is(err, unix.ENODEV) {
		return nil
	}
	return fmt.Errorf("removing keeper of bridge %s: %w", bridge, err)
}

// newLink creates an up link of kind, attached to the bridge with index
// master, in one RTM_NEWLINK request (what `ip link add NAME up master BR
// type KIND` sends).
func newLink(name, kind string, master int) error {
	info := rtattr(unix.IFLA_INFO_KIND, []byte(kind))
	attrs := append(rtattr(unix.IFLA_IFNAME, cString(name)), rtattr(unix.IFLA_MASTER, u32(uint32(master)))...)
	attrs = append(attrs, rtattr(unix.IFLA_LINKINFO, info)...)
	return rtnlRequest(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL,
		unix.IfInfomsg{Family: unix.AF_UNSPEC, Flags: unix.IFF_UP, Change: unix.IFF_UP}, attrs)
}

// delLink deletes the link called name.
func delLink(name string) error {
	return rtnlRequest(unix.RTM_DELLINK, 0, unix.IfInfomsg{Family: unix.AF_UNSPEC},
		rtattr(unix.IFLA_IFNAME, cString(name)))
}

// rtnlRequest sends one rtnetlink link request and waits for its
// acknowledgement.
func rtnlRequest(typ uint16, flags uint16, ifi unix.IfInfomsg, attrs []byte) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink bind: %w", err)
	}
	body := make([]byte, unix.SizeofIfInfomsg)
	body[0] = ifi.Family
	binary.NativeEndian.PutUint16(body[2:], ifi.Type)
	binary.NativeEndian.PutUint32(body[4:], uint32(ifi.Index))
	binary.NativeEndian.PutUint32(body[8:], ifi.Flags)
	binary.NativeEndian.PutUint32(body[12:], ifi.Change)
	body = append(body, attrs...)
	msg := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+len(body))
	binary.NativeEndian.PutUint32(msg[0:], uint32(unix.SizeofNlMsghdr+len(body)))
	binary.NativeEndian.PutUint16(msg[4:], typ)
	binary.NativeEndian.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK|flags)
	binary.NativeEndian.PutUint32(msg[8:], 1) // sequence number
	msg = append(msg, body...)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	buf := make([]byte, os.Getpagesize())
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("netlink receive: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return fmt.Errorf("netlink reply: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Type != unix.NLMSG_ERROR || len(m.Data) < 4 {
				continue
			}
			// The acknowledgement is an error message with code 0.
			if code := int32(binary.NativeEndian.Uint32(m.Data[:4])); code != 0 {
				return unix.Errno(-code)
			}
			return nil
		}
	}
}

// rtattr encodes one netlink attribute, padded to 4 bytes.
func rtattr(typ uint16, data []byte) []byte {
	l := unix.SizeofRtAttr + len(data)
	b := make([]byte, (l+unix.NLA_ALIGNTO-1)&^(unix.NLA_ALIGNTO-1))
	binary.NativeEndian.PutUint16(b[0:], uint16(l))
	binary.NativeEndian.PutUint16(b[2:], typ)
	copy(b[unix.SizeofRtAttr:], data)
	return b
}

func cString(s string) []byte { return append([]byte(s), 0) }

func u32(v uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, v)
	return b
}

// RemoveBridge lets netavark delete the bridge, chains and rules of the
// network described by info, as it does when the last container leaves:
// it attaches a scratch namespace (netns, a path for a new one), takes the
// keeper away and detaches the scratch namespace again. Containers of
// other run roots still on the bridge keep it alive: netavark then only
// removes the scratch veth. Without a keeper there is nothing to do.
func (d *Driver) RemoveBridge(ctx context.Context, info NetavarkInfo, netns string) error {
	if info.Driver != DriverBridge || info.NetworkInterface == "" {
		return nil
	}
	unlock, err := d.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if !LinkExists(KeeperName(info.NetworkInterface)) {
		return nil
	}
	in, err := scratchInput(info)
	if err != nil {
		return err
	}
	if err := NewNetNS(netns); err != nil {
		return err
	}
	defer RemoveNetNS(netns)
	_, serr := d.exec(ctx, "setup", netns, in)
	if err := removeKeeper(info.NetworkInterface); err != nil {
		return err
	}
	_, terr := d.exec(ctx, "teardown", netns, in)
	if serr != nil {
		return fmt.Errorf("removing bridge %s: %w", info.NetworkInterface, serr)
	}
	if terr != nil {
		return fmt.Errorf("removing bridge %s: %w", info.NetworkInterface, terr)
	}
	return nil
}

// scratchInput is the setup input of RemoveBridge's scratch namespace: it
// takes the last host address of every subnet, where berth's allocator,
// which counts up from the start, comes last.
func scratchInput(info NetavarkInfo) ([]byte, error) {
	var ips []string
	for _, s := range info.Subnets {
		p, err := netip.ParsePrefix(s.Subnet)
		if err != nil {
			return nil, fmt.Errorf("subnet %s: %w", s.Subnet, err)
		}
		ip := lastHost(p)
		if ip.String() == s.Gateway {
			ip = ip.Prev()
		}
		ips = append(ips, ip.String())
	}
	in := SetupInput{
		ContainerID:   strings.Repeat("0", 56) + "6b656570", // "keep"
		ContainerName: "berth-bridge-removal",
		Networks:      map[string]PerNetwork{info.Name: {InterfaceName: "eth0", StaticIPs: ips}},
		NetworkInfo:   map[string]NetavarkInfo{info.Name: info},
		PortMappings:  []PortMapping{},
	}
	return json.Marshal(in)
}

// lastHost is the highest address of p below its (IPv4) broadcast address.
func lastHost(p netip.Prefix) netip.Addr { return lastAddr(p.Masked()).Prev() }
