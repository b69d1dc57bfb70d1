package network

import (
	"bufio"
	"context"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// HostRoutes returns the IPv4 destinations routed on the host (from
// /proc/net/route), except the default route and routes through skipIface
// (a network's own bridge): a new subnet overlapping one of them would
// shadow or be shadowed by a host network.
func HostRoutes(skipIface string) []netip.Prefix {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []netip.Prefix
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Iface Destination Gateway Flags RefCnt Use Metric Mask ...
		fl := strings.Fields(sc.Text())
		if len(fl) < 8 || fl[0] == "Iface" || fl[0] == skipIface {
			continue
		}
		dst, err1 := strconv.ParseUint(fl[1], 16, 32)
		mask, err2 := strconv.ParseUint(fl[7], 16, 32)
		if err1 != nil || err2 != nil || mask == 0 {
			continue
		}
		var d, m [4]byte
		binary.LittleEndian.PutUint32(d[:], uint32(dst))
		binary.LittleEndian.PutUint32(m[:], uint32(mask))
		bits := 0
		for _, b := range m {
			for ; b != 0; b <<= 1 {
				bits++
			}
		}
		out = append(out, netip.PrefixFrom(netip.AddrFrom4(d), bits).Masked())
	}
	return out
}

// LinkExists reports whether the host has a network interface name.
func LinkExists(name string) bool {
	_, err := os.Stat("/sys/class/net/" + name)
	return err == nil
}

// chainHash is netavark's per-network chain suffix: the first 13 hex
// digits, upper case, of SHA-512(name) (notes/netavark.md §6).
func chainHash(name string) string {
	sum := sha512.Sum512([]byte(name))
	return strings.ToUpper(hex.EncodeToString(sum[:]))[:13]
}

// RemoveIdle removes what netavark 1.4.0 leaves of a network nobody uses
// any more: the bridge, when no interface is attached to it (RemoveBridge
// has netavark delete it, so this only matters after a crash or for a
// bridge an older berth left without a keeper), and the empty
// NETAVARK-DN-<hash> nat chain its teardown forgets. Failures are
// ignored: both are harmless leftovers, and a chain still in use by
// another engine's network of the same name must stay.
func RemoveIdle(ctx context.Context, name, bridge string) {
	if bridge != "" && LinkExists(bridge) {
		if ports, err := os.ReadDir("/sys/class/net/" + bridge + "/brif"); err == nil && len(ports) == 0 {
			_ = delLink(bridge)
		}
	}
	chain := "NETAVARK-DN-" + chainHash(name)
	cmd := exec.CommandContext(ctx, "/usr/sbin/iptables", "-t", "nat", "-X", chain)
	cmd.Env = []string{"PATH=/usr/sbin:/sbin"}
	_ = cmd.Run()
}
