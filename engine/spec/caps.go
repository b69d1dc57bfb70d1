package spec

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// capNames lists Linux capabilities by number (include/uapi/linux/capability.h).
var capNames = [...]string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// defaultCaps is the set a non-privileged container starts with. It is the
// podman default (smaller than docker's, which adds AUDIT_WRITE, MKNOD and
// NET_RAW).
var defaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
	"CAP_SETUID", "CAP_SYS_CHROOT",
}

const capAll = "ALL"

// normalizeCap turns "net_admin", "CAP_NET_ADMIN" or "all" into the canonical
// "CAP_NET_ADMIN" / "ALL".
func normalizeCap(name string) (string, error) {
	up := strings.ToUpper(strings.TrimSpace(name))
	if up == capAll {
		return capAll, nil
	}
	if !strings.HasPrefix(up, "CAP_") {
		up = "CAP_" + up
	}
	if !slices.Contains(capNames[:], up) {
		return "", fmt.Errorf("%w: unknown capability %q", ErrInvalid, name)
	}
	return up, nil
}

func normalizeCaps(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		c, err := normalizeCap(n)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// hostCaps returns the capabilities a container can be given: those the
// running kernel knows (0 .. /proc/sys/kernel/cap_last_cap) that are also in
// our own bounding set. Asking runc for a capability the kernel lacks, or
// one we do not hold (sandboxed hosts drop some, e.g. CAP_SYS_RESOURCE),
// makes container start fail with EPERM. If cap_last_cap cannot be read we
// use our whole table and let PR_CAPBSET_READ (EINVAL past the kernel's last
// capability) filter it.
func hostCaps() []string {
	last := len(capNames) - 1
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n >= 0 && n < last {
			last = n
		}
	}
	out := make([]string, 0, last+1)
	for i := 0; i <= last; i++ {
		held, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(i), 0, 0, 0)
		if err == nil && held == 1 {
			out = append(out, capNames[i])
		}
	}
	return out
}

// capSet computes the capability list for the container from the defaults
// (or all host capabilities when privileged), then --cap-add / --cap-drop
// with docker's rules: "ALL" in cap-add means every host capability except
// the ones dropped; "ALL" in cap-drop means only the ones added; otherwise
// drops are removed from the base set and adds appended.
func capSet(privileged bool, add, drop []string) ([]string, error) {
	add, err := normalizeCaps(add)
	if err != nil {
		return nil, err
	}
	drop, err = normalizeCaps(drop)
	if err != nil {
		return nil, err
	}
	avail := hostCaps()
	var base []string
	switch {
	case privileged || slices.Contains(add, capAll):
		base = avail
	case slices.Contains(drop, capAll):
		base = nil
	default:
		base = defaultCaps
	}
	var out []string
	for _, c := range base {
		if slices.Contains(avail, c) && !slices.Contains(drop, c) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, c := range add {
		if c == capAll || slices.Contains(out, c) {
			continue
		}
		if !slices.Contains(avail, c) {
			return nil, invalidf("capability %s is not available on this host (not in berth's bounding set)", c)
		}
		// Dropping and adding the same capability: docker applies the
		// add after the drop, so the add wins.
		out = append(out, c)
	}
	return out, nil
}
