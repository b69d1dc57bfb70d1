package spec

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"syscall"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berthproject/berth/internal/signals"
)

// ImageConfig is the runtime part of an OCI image config.
type ImageConfig = v1.ImageConfig

// Env holds runtime facts the generator needs.
type Env struct {
	ID          string // 64-hex container id
	RootFS      string // mounted rootfs (overlay merged dir)
	RunDir      string // per-container run dir holding the RunFiles files
	CgroupsPath string // e.g. "/berth/<id>" (cgroupfs style), set into linux.cgroupsPath
	NetNSPath   string // "" = new private netns (mode none); ignored for host mode
	// JoinNamespaces maps a namespace kind (ipc, pid, uts, user, cgroup,
	// network) to the path of a namespace to join, or to "host" for the
	// host's; network is used only when NetNSPath is empty.
	JoinNamespaces map[string]string
	// ShmDir, when set, is bind-mounted at /dev/shm instead of a private
	// tmpfs: the /dev/shm of the IPC namespace the container joins.
	ShmDir string
}

// defaultPath is the PATH a container gets when the image sets none.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// containerEnvVar tells programs they run in a container (systemd's
// convention, see systemd's CONTAINER_INTERFACE documentation).
const containerEnvVar = "container=berth"

// Paths hidden from unprivileged containers: maskedPaths are covered by an
// empty file or tmpfs, readonlyPaths remounted read-only. They expose host
// state or knobs a container must not touch.
var (
	maskedPaths = []string{
		"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/proc/scsi", "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block",
	}
	readonlyPaths = []string{
		"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
		"/proc/sysrq-trigger",
	}
)

// ociVersion is the spec version written into config.json. The Go types
// are newer (1.3.0), but crun 1.8.1 rejects versions it does not know
// ("unknown version specified"); nothing berth generates needs more than
// 1.1.0, which runc 1.1 and crun 1.8 both accept.
const ociVersion = "1.1.0"

// Generate builds the OCI runtime spec for one container. It validates cs,
// reads the rootfs's /etc/passwd and /etc/group, stats bind sources and
// reads the calling process's rlimits; nothing else touches the system.
//
// Where each setting lands (user flag -> ContainerSpec field -> OCI):
//
//	IMAGE CMD / --entrypoint  Command, Entrypoint  process.args (processArgs)
//	-e, image ENV             Env                  process.env (mergeEnv)
//	-w, image WORKDIR         WorkDir              process.cwd
//	-u, image USER            User                 process.user (ResolveUser on the rootfs)
//	-t                        Terminal             process.terminal, TERM=xterm
//	--hostname                Hostname             hostname, HOSTNAME, /etc/hostname
//	-v / --mount              Mounts               mounts (buildMounts)
//	--read-only               ReadOnly             root.readonly, tmpfs on /run /tmp /var/tmp
//	--privileged              Privileged           all caps, no masked/readonly paths,
//	                                               no seccomp, rw /sys, all devices allowed
//	--cap-add / --cap-drop    CapAdd, CapDrop      process.capabilities (capSet)
//	--network none|host       NetworkMode          linux.namespaces (network, uts)
//	--annotation              Annotations          annotations
//	--security-opt seccomp=   SeccompProfile       linux.seccomp (seccompFor)
//	--memory, --cpus, ...     Resources            linux.resources (LinuxResources)
//	--ulimit                  Ulimits              process.rlimits (applyUlimits)
//	--oom-score-adj           OOMScoreAdj          process.oomScoreAdj
//	--security-opt no-new-privileges NoNewPrivileges process.noNewPrivileges
//	(engine)                  Env.RootFS           root.path
//	(engine)                  Env.CgroupsPath      linux.cgroupsPath
//	(engine)                  Env.NetNSPath        linux.namespaces[network].path
//	(engine)                  Env.RunDir           bind sources of hosts, hostname,
//	                                               resolv.conf, .containerenv
//	(calling process)         -                    process.rlimits NOFILE, NPROC
//
// Labels, StopSignal/StopTimeout, Remove, Restart* and Stdin do not reach
// the OCI spec: the engine and conmon act on them.
func Generate(ctx context.Context, cs *ContainerSpec, img *ImageConfig, env Env) (*rspec.Spec, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cs == nil {
		return nil, errors.New("spec: nil ContainerSpec")
	}
	if env.RootFS == "" || env.RunDir == "" {
		return nil, errors.New("spec: Env.RootFS and Env.RunDir are required")
	}
	if img == nil {
		img = &ImageConfig{}
	}
	if err := cs.Validate(); err != nil {
		return nil, err
	}

	args, err := processArgs(cs, img)
	if err != nil {
		return nil, err
	}
	cwd := cs.WorkDir
	if cwd == "" {
		cwd = img.WorkingDir
	}
	if cwd == "" {
		cwd = "/"
	}
	if !path.IsAbs(cwd) {
		return nil, invalidf("working directory %q is not an absolute path", cwd)
	}
	userSpec := cs.User
	if userSpec == "" {
		userSpec = img.User
	}
	user, err := ResolveUser(env.RootFS, userSpec)
	if err != nil {
		return nil, err
	}
	caps, err := capabilities(cs, user.UID)
	if err != nil {
		return nil, err
	}
	mounts, err := buildMounts(cs, env.RunDir)
	if err != nil {
		return nil, err
	}
	rlimits, err := currentRlimits()
	if err != nil {
		return nil, err
	}
	rlimits = applyUlimits(rlimits, cs.Ulimits)
	resources := cs.Resources.LinuxResources()
	resources.Devices = deviceRules(cs.Privileged)

	hostNet := cs.NetworkMode == NetworkHost
	// With network host and no --hostname the container shares the host's
	// UTS namespace, like docker; an explicit --hostname keeps it private.
	shareUTS := hostNet && cs.Hostname == ""
	hostname := Hostname(cs, env.ID)

	s := &rspec.Spec{
		Version: ociVersion,
		Root:    &rspec.Root{Path: env.RootFS, Readonly: cs.ReadOnly},
		Process: &rspec.Process{
			Terminal: cs.Terminal,
			User: rspec.User{
				UID:            user.UID,
				GID:            user.GID,
				AdditionalGids: user.AdditionalGids,
			},
			Args:         args,
			Env:          mergeEnv(img.Env, cs.Env, hostname, user.Home, cs.Terminal),
			Cwd:          cwd,
			Capabilities: caps,
			Rlimits:      rlimits,
		},
		Mounts:      mounts,
		Annotations: maps.Clone(cs.Annotations),
		Linux: &rspec.Linux{
			CgroupsPath: env.CgroupsPath,
			Namespaces:  namespaces(hostNet, shareUTS, env.NetNSPath),
			Resources:   resources,
		},
	}
	if !shareUTS {
		s.Hostname = hostname
	}
	if err := applyNamespaceModes(s, cs, env); err != nil {
		return nil, err
	}
	if !cs.Privileged {
		s.Linux.MaskedPaths = slices.Clone(maskedPaths)
		s.Linux.ReadonlyPaths = slices.Clone(readonlyPaths)
	}
	s.Process.NoNewPrivileges = cs.NoNewPrivileges
	s.Process.OOMScoreAdj = cs.OOMScoreAdj
	// The default profile allows some syscalls only when the matching
	// capability is in the bounding set, so caps must be final here.
	sc, err := seccompFor(cs, s)
	if err != nil {
		return nil, err
	}
	s.Linux.Seccomp = sc
	return s, nil
}

// processArgs applies docker's rules: ENTRYPOINT from the user when set
// (even to empty), else the image's; CMD from the user when given, else the
// image's, except that setting the entrypoint discards the image's CMD
// (it was written for the image's entrypoint).
func processArgs(cs *ContainerSpec, img *ImageConfig) ([]string, error) {
	entry, cmd := Command(cs, img)
	args := append(entry, cmd...)
	if len(args) == 0 || args[0] == "" {
		return nil, invalidf("no command specified")
	}
	return args, nil
}

// mergeEnv layers the user's variables over the image's: a KEY=VALUE
// replaces the same key in place, a bare KEY (docker API semantics) removes
// it. Then the engine's defaults fill what is still missing: PATH,
// HOSTNAME, HOME, TERM (with a terminal) and container=berth.
func mergeEnv(image, user []string, hostname, home string, terminal bool) []string {
	out := make([]string, 0, len(image)+len(user)+5)
	set := func(e string) {
		key, _, hasValue := strings.Cut(e, "=")
		i := slices.IndexFunc(out, func(o string) bool { return strings.HasPrefix(o, key+"=") })
		switch {
		case !hasValue && i >= 0:
			out = slices.Delete(out, i, i+1)
		case !hasValue:
		case i >= 0:
			out[i] = e
		default:
			out = append(out, e)
		}
	}
	for _, e := range image {
		set(e)
	}
	for _, e := range user {
		set(e)
	}
	defaults := []string{defaultPath, "HOSTNAME=" + hostname, "HOME=" + home}
	if terminal {
		defaults = append(defaults, "TERM=xterm")
	}
	defaults = append(defaults, containerEnvVar)
	for _, d := range defaults {
		key, _, _ := strings.Cut(d, "=")
		if !slices.ContainsFunc(out, func(o string) bool { return strings.HasPrefix(o, key+"=") }) {
			out = append(out, d)
		}
	}
	return out
}

// capabilities builds the process capability sets. Root gets the computed
// set in bounding, effective and permitted. A non-root user keeps it in the
// bounding set only, except for capabilities added with --cap-add: those go
// to effective, permitted, inheritable and ambient, because a non-root
// process loses permitted capabilities at execve unless they are ambient
// (capabilities(7), "Transformation of capabilities during execve()").
// Inheritable is otherwise empty (CVE-2022-24769).
func capabilities(cs *ContainerSpec, uid uint32) (*rspec.LinuxCapabilities, error) {
	set, err := capSet(cs.Privileged, cs.CapAdd, cs.CapDrop)
	if err != nil {
		return nil, err
	}
	if uid == 0 {
		return &rspec.LinuxCapabilities{
			Bounding:  set,
			Effective: slices.Clone(set),
			Permitted: slices.Clone(set),
		}, nil
	}
	added, err := capSet(false, cs.CapAdd, []string{capAll})
	if err != nil {
		return nil, err
	}
	added = slices.DeleteFunc(added, func(c string) bool { return !slices.Contains(set, c) })
	c := &rspec.LinuxCapabilities{Bounding: set}
	if len(added) > 0 {
		c.Effective = added
		c.Permitted = slices.Clone(added)
		c.Inheritable = slices.Clone(added)
		c.Ambient = slices.Clone(added)
	}
	return c, nil
}

func namespaces(hostNet, shareUTS bool, netnsPath string) []rspec.LinuxNamespace {
	ns := []rspec.LinuxNamespace{
		{Type: rspec.PIDNamespace},
		{Type: rspec.IPCNamespace},
		{Type: rspec.MountNamespace},
	}
	if !shareUTS {
		ns = append(ns, rspec.LinuxNamespace{Type: rspec.UTSNamespace})
	}
	if !hostNet {
		ns = append(ns, rspec.LinuxNamespace{Type: rspec.NetworkNamespace, Path: netnsPath})
	}
	return ns
}

// deviceRules is the device cgroup allow-list: deny everything, then allow
// the character devices runc creates in /dev (null 1:3, zero 1:5, full 1:7,
// random 1:8, urandom 1:9, tty 5:0, console 5:1, ptmx 5:2) and every pty
// slave (136:*). Privileged containers may use any device. Host device
// nodes are not copied into a privileged container's /dev yet.
func deviceRules(privileged bool) []rspec.LinuxDeviceCgroup {
	if privileged {
		return []rspec.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
	}
	rules := []rspec.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}
	for _, d := range [][2]int64{{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {136, -1}} {
		r := rspec.LinuxDeviceCgroup{Allow: true, Type: "c", Major: ptr(d[0]), Access: "rwm"}
		if d[1] >= 0 {
			r.Minor = ptr(d[1])
		}
		rules = append(rules, r)
	}
	return rules
}

// currentRlimits copies this process's NOFILE and NPROC limits. Asking for
// more than the hard limit fails container creation (runc's setrlimit gets
// EPERM), and podman's fixed defaults exceed the hard limit on some hosts,
// so we never ask for more than we have. Note that the Go runtime raises its
// own soft NOFILE to the hard limit at start-up, so the container gets
// soft == hard for NOFILE.
func currentRlimits() ([]rspec.POSIXRlimit, error) {
	var out []rspec.POSIXRlimit
	for _, l := range []struct {
		res  int
		name string
	}{{unix.RLIMIT_NOFILE, "RLIMIT_NOFILE"}, {unix.RLIMIT_NPROC, "RLIMIT_NPROC"}} {
		var r unix.Rlimit
		if err := unix.Getrlimit(l.res, &r); err != nil {
			return nil, fmt.Errorf("getrlimit %s: %w", l.name, err)
		}
		out = append(out, rspec.POSIXRlimit{Type: l.name, Soft: r.Cur, Hard: r.Max})
	}
	return out, nil
}

// StopSignal returns the effective stop signal: the container's, else the
// image's, else SIGTERM.
func StopSignal(cs *ContainerSpec, img *ImageConfig) (syscall.Signal, error) {
	name := cs.StopSignal
	if name == "" && img != nil {
		name = img.StopSignal
	}
	if name == "" {
		return syscall.SIGTERM, nil
	}
	sig, err := signals.Parse(name)
	if err != nil {
		return 0, invalidf("stop signal: %w", err)
	}
	return sig, nil
}

func ptr[T any](v T) *T { return &v }
