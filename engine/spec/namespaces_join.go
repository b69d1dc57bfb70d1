package spec

import (
	"slices"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// Namespace kinds a container can share with another one: the keys of
// Env.JoinNamespaces and of NamespaceModes.
const (
	NSIPC     = "ipc"
	NSPID     = "pid"
	NSUTS     = "uts"
	NSUser    = "user"
	NSCgroup  = "cgroup"
	NSNetwork = "network"
)

// Namespace modes of --ipc, --pid, --uts, --userns and --cgroupns.
const (
	NSModePrivate = "private"
	NSModeHost    = "host"
	// NSModeShareable (--ipc shareable, docker's mode) is a private IPC
	// namespace whose /dev/shm lives on the host, so that containers
	// joining the namespace can mount the same /dev/shm.
	NSModeShareable   = "shareable"
	NSContainerPrefix = "container:"
	// JoinHost is the Env.JoinNamespaces value meaning "the host's
	// namespace": the joined container shares the host's, so the joiner
	// does too.
	JoinHost = "host"
)

// JoinKinds lists every namespace kind in the order containers are set
// up: network first, as it is the one a pod's infra exists for.
var JoinKinds = []string{NSNetwork, NSIPC, NSUTS, NSPID, NSCgroup, NSUser}

var rspecType = map[string]rspec.LinuxNamespaceType{
	NSIPC: rspec.IPCNamespace, NSPID: rspec.PIDNamespace, NSUTS: rspec.UTSNamespace,
	NSUser: rspec.UserNamespace, NSCgroup: rspec.CgroupNamespace, NSNetwork: rspec.NetworkNamespace,
}

// ProcNSName is the name of a kind under /proc/PID/ns.
func ProcNSName(kind string) string {
	if kind == NSNetwork {
		return "net"
	}
	return kind
}

// NamespaceModes returns the mode of every namespace kind of cs.
func NamespaceModes(cs *ContainerSpec) map[string]string {
	return map[string]string{
		NSIPC: cs.IPCMode, NSPID: cs.PIDMode, NSUTS: cs.UTSMode, NSUser: cs.UserNSMode,
		NSCgroup: cs.CgroupNSMode, NSNetwork: cs.NetworkMode,
	}
}

// SetNamespaceMode sets the mode of one kind.
func SetNamespaceMode(cs *ContainerSpec, kind, mode string) {
	switch kind {
	case NSIPC:
		cs.IPCMode = mode
	case NSPID:
		cs.PIDMode = mode
	case NSUTS:
		cs.UTSMode = mode
	case NSUser:
		cs.UserNSMode = mode
	case NSCgroup:
		cs.CgroupNSMode = mode
	case NSNetwork:
		cs.NetworkMode = mode
	}
}

// JoinTarget returns X of a "container:X" mode.
func JoinTarget(mode string) (string, bool) {
	ref, ok := strings.CutPrefix(mode, NSContainerPrefix)
	return ref, ok && ref != ""
}

// validateNamespaceModes checks the syntax of the namespace modes; whether
// a joined container exists is the engine's business.
func (s *ContainerSpec) validateNamespaceModes() error {
	flags := map[string]string{NSIPC: "--ipc", NSPID: "--pid", NSUTS: "--uts", NSUser: "--userns", NSCgroup: "--cgroupns"}
	modes := NamespaceModes(s)
	for _, kind := range JoinKinds {
		if kind == NSNetwork {
			continue
		}
		mode := modes[kind]
		if _, ok := JoinTarget(mode); ok {
			continue
		}
		switch mode {
		case "", NSModeHost, NSModePrivate:
		case NSModeShareable:
			if kind != NSIPC {
				return invalidf("invalid %s %q: only --ipc can be shareable", flags[kind], mode)
			}
		default:
			return invalidf("invalid %s %q: want host, private, container:NAME (or, for --ipc, shareable)", flags[kind], mode)
		}
		if kind == NSUser && mode == NSModePrivate {
			return invalidf("--userns private is not supported: berth does not create user namespaces yet (host and container:NAME work)")
		}
	}
	if s.UTSMode == NSModeHost && s.Hostname != "" {
		return invalidf("--hostname cannot be set with --uts host")
	}
	return nil
}

// applyNamespaceModes adjusts the namespaces of s to the container's
// modes: shared with the host (no namespace of that kind), private, or
// joined by path (env.JoinNamespaces, resolved by the engine).
func applyNamespaceModes(s *rspec.Spec, cs *ContainerSpec, env Env) error {
	modes := NamespaceModes(cs)
	for _, kind := range JoinKinds {
		typ := rspecType[kind]
		path := env.JoinNamespaces[kind]
		if kind == NSNetwork && (env.NetNSPath != "" || cs.NetworkMode == NetworkHost) {
			continue // the network setup decided
		}
		switch {
		case path == JoinHost:
			dropNamespace(s, typ)
		case path != "":
			if kind == NSUser {
				return invalidf("joining another container's private user namespace is not supported")
			}
			setNamespace(s, typ, path)
		case modes[kind] == NSModeHost:
			dropNamespace(s, typ)
		case modes[kind] == NSModePrivate && kind == NSCgroup:
			setNamespace(s, typ, "")
		}
	}
	// The hostname belongs to the UTS namespace's owner: setting it here
	// would rename the other container (or the host).
	if !hasNamespace(s, rspec.UTSNamespace) || env.JoinNamespaces[NSUTS] != "" {
		s.Hostname = ""
	}
	shm := env.ShmDir
	if shm == "" && cs.IPCMode == NSModeHost {
		shm = "/dev/shm"
	}
	if shm != "" {
		for i, m := range s.Mounts {
			if m.Destination == "/dev/shm" && m.Type == "tmpfs" {
				s.Mounts[i] = rspec.Mount{Destination: "/dev/shm", Type: "bind", Source: shm,
					Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
			}
		}
	}
	return nil
}

func hasNamespace(s *rspec.Spec, typ rspec.LinuxNamespaceType) bool {
	return slices.ContainsFunc(s.Linux.Namespaces, func(n rspec.LinuxNamespace) bool { return n.Type == typ })
}

func dropNamespace(s *rspec.Spec, typ rspec.LinuxNamespaceType) {
	s.Linux.Namespaces = slices.DeleteFunc(s.Linux.Namespaces, func(n rspec.LinuxNamespace) bool { return n.Type == typ })
}

func setNamespace(s *rspec.Spec, typ rspec.LinuxNamespaceType, path string) {
	for i, n := range s.Linux.Namespaces {
		if n.Type == typ {
			s.Linux.Namespaces[i].Path = path
			return
		}
	}
	s.Linux.Namespaces = append(s.Linux.Namespaces, rspec.LinuxNamespace{Type: typ, Path: path})
}
