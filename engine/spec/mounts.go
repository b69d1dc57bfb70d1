package spec

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berthproject/berth/internal/volume"
)

// Where RunFiles' files appear inside the container.
var runFileTargets = [...]struct{ file, dest string }{
	{"hosts", "/etc/hosts"},
	{"hostname", "/etc/hostname"},
	{"resolv.conf", "/etc/resolv.conf"},
	{".containerenv", "/run/.containerenv"},
}

// systemMounts are the kernel filesystems every container gets. The option
// sets are the ones runc's example spec and podman use; /dev is a small
// tmpfs that runc populates with the default device nodes.
func systemMounts(privileged bool) []rspec.Mount {
	sysOpts := []string{"nosuid", "noexec", "nodev", "ro"}
	cgroupOpts := []string{"nosuid", "noexec", "nodev", "relatime", "ro"}
	if privileged {
		sysOpts[3] = "rw"
		cgroupOpts[4] = "rw"
	}
	return []rspec.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: sysOpts},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: cgroupOpts},
	}
}

// readOnlyTmpfs are the scratch directories a --read-only container gets as
// tmpfs, as podman does by default (--read-only-tmpfs=true), so that
// programs that need /tmp or /run keep working.
func readOnlyTmpfs() []rspec.Mount {
	opts := func(mode string) []string {
		return []string{"rw", "rprivate", "nosuid", "nodev", "mode=" + mode}
	}
	return []rspec.Mount{
		{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: opts("755")},
		{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: opts("1777")},
		{Destination: "/var/tmp", Type: "tmpfs", Source: "tmpfs", Options: opts("1777")},
	}
}

// buildMounts assembles the container's mounts: system filesystems, the
// engine-written files from the run dir, the user's binds. A user mount on a
// destination we would mount ourselves (say -v ./hosts:/etc/hosts) replaces
// ours. The result is ordered so that a parent directory is mounted before
// anything beneath it.
func buildMounts(cs *ContainerSpec, runDir string) ([]rspec.Mount, error) {
	user := make([]rspec.Mount, 0, len(cs.Mounts))
	taken := make(map[string]bool, len(cs.Mounts))
	for _, m := range cs.Mounts {
		var om rspec.Mount
		var err error
		switch m.Type {
		case MountTmpfs:
			om = userTmpfs(m)
		case MountVolume, MountImage:
			// The engine resolves these into binds before generating.
			return nil, invalidf("mount %s: %s mount was not resolved", m.Destination, m.Type)
		default:
			om, err = userBind(m)
		}
		if err != nil {
			return nil, err
		}
		user = append(user, om)
		taken[om.Destination] = true
	}

	var out []rspec.Mount
	add := func(ms ...rspec.Mount) {
		for _, m := range ms {
			if !taken[m.Destination] {
				out = append(out, m)
			}
		}
	}
	add(systemMounts(cs.Privileged)...)
	if cs.ReadOnly && !cs.ReadOnlyNoTmpfs {
		add(readOnlyTmpfs()...)
	}
	for _, f := range runFileTargets {
		if f.file == "hosts" && cs.NoHosts {
			continue
		}
		add(rspec.Mount{
			Destination: f.dest,
			Type:        "bind",
			Source:      filepath.Join(runDir, f.file),
			Options:     []string{"bind", "rprivate", "nosuid", "noexec", "nodev"},
		})
	}
	out = append(out, user...)
	sortMounts(out)
	return out, nil
}

// userBind turns one -v/--mount bind into an OCI mount. Binds are recursive
// (rbind) and rprivate unless the user said otherwise; z/Z (SELinux
// relabelling) are accepted for compatibility and dropped, as berth does not
// label.
func userBind(m Mount) (rspec.Mount, error) {
	if _, err := os.Stat(m.Source); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return rspec.Mount{}, invalidf("bind source path does not exist: %s", m.Source)
		}
		return rspec.Mount{}, invalidf("bind source %s: %w", m.Source, err)
	}
	opts := make([]string, 0, len(m.Options)+2)
	bindOpt, propagation := "rbind", "rprivate"
	for _, o := range m.Options {
		switch mountOptGroup(o) {
		case mountOptGroup("bind"):
			bindOpt = o
		case mountOptGroup("rprivate"):
			propagation = o
		case mountOptGroup("z"):
		case -1:
			// U, nocopy, copy: the engine acted on them already.
		default:
			opts = append(opts, o)
		}
	}
	return rspec.Mount{
		Destination: path.Clean(m.Destination),
		Type:        "bind",
		Source:      m.Source,
		Options:     append([]string{bindOpt, propagation}, opts...),
	}, nil
}

// sortMounts orders mounts by destination depth, keeping the given order
// among equal depths. Mounting /a before /a/b is what matters: the reverse
// would hide /a/b under /a.
func sortMounts(ms []rspec.Mount) {
	depth := func(p string) int {
		p = path.Clean(p)
		if p == "/" {
			return 0
		}
		return strings.Count(p, "/")
	}
	slices.SortStableFunc(ms, func(a, b rspec.Mount) int {
		return depth(a.Destination) - depth(b.Destination)
	})
}

// Mount types.
const (
	MountBind   = "bind"
	MountVolume = "volume"
	MountTmpfs  = "tmpfs"
	MountImage  = "image"
)

// validateMountSource checks a mount's type and the source it needs.
func validateMountSource(m Mount) error {
	switch m.Type {
	case "", MountBind:
		if m.Source == "" || !path.IsAbs(m.Source) {
			return invalidf("bind mount source %q must be an absolute path", m.Source)
		}
	case MountVolume:
		if m.Source != "" {
			if err := volume.ValidateName(m.Source); err != nil {
				return invalidf("mount %s: %w", m.Destination, err)
			}
		}
	case MountTmpfs:
		if m.Source != "" && m.Source != "tmpfs" {
			return invalidf("mount %s: a tmpfs mount takes no source", m.Destination)
		}
	case MountImage:
		if m.Source == "" {
			return invalidf("mount %s: an image mount needs source=IMAGE", m.Destination)
		}
	default:
		return invalidf("mount %s: unsupported mount type %q (bind, volume, tmpfs, image)", m.Destination, m.Type)
	}
	return nil
}

// tmpfsKeys are the tmpfs options that take a value.
var tmpfsKeys = []string{"size", "mode", "uid", "gid", "nr_inodes", "nr_blocks"}

// mountOptExtra accepts the options that only some mount types have: U
// (chown to the container's user) for binds and volumes, nocopy/copy for
// volumes, KEY=VALUE and tmpcopyup/notmpcopyup for tmpfs.
func mountOptExtra(m Mount, o string) (bool, error) {
	switch m.Type {
	case "", MountBind:
		return o == "U", nil
	case MountVolume:
		return o == "U" || o == "nocopy" || o == "copy", nil
	case MountTmpfs:
		if o == "tmpcopyup" || o == "notmpcopyup" {
			return true, nil
		}
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			return false, nil
		}
		if !slices.Contains(tmpfsKeys, k) || v == "" || strings.ContainsAny(v, ",\x00") {
			return true, invalidf("mount %s: unknown tmpfs option %q (%s=VALUE)", m.Destination, o, strings.Join(tmpfsKeys, "=, "))
		}
		return true, nil
	}
	return false, nil
}

// userTmpfs is a --tmpfs / --mount type=tmpfs mount. Like podman: rw,
// noexec, nosuid, nodev unless said otherwise, and the image's content at
// the destination copied in (runc's tmpcopyup) unless notmpcopyup.
func userTmpfs(m Mount) rspec.Mount {
	set := map[int]string{}
	for _, d := range []string{"rw", "noexec", "nosuid", "nodev", "rprivate"} {
		set[mountOptGroup(d)] = d
	}
	var extra []string
	copyUp := true
	for _, o := range m.Options {
		switch g := mountOptGroup(o); {
		case o == "notmpcopyup":
			copyUp = false
		case o == "tmpcopyup":
		case g >= 0:
			set[g] = o
		default:
			extra = append(extra, o)
		}
	}
	opts := make([]string, 0, len(set)+len(extra)+1)
	for g := range mountOptGroups {
		if o, ok := set[g]; ok {
			opts = append(opts, o)
		}
	}
	opts = append(opts, extra...)
	if copyUp {
		opts = append(opts, "tmpcopyup")
	}
	return rspec.Mount{Destination: path.Clean(m.Destination), Type: "tmpfs", Source: "tmpfs", Options: opts}
}
