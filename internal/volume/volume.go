// Package volume manages the directories of local named volumes:
// <root>/NAME/_data, plain or with a file system mounted on it (the local
// driver's -o type=tmpfs|bind, device=, o=). The engine keeps the records;
// this package only checks names and options and touches the disk.
package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrInvalid is wrapped by errors about a bad name or bad options.
var ErrInvalid = errors.New("invalid volume")

// DriverLocal is the only driver.
const DriverLocal = "local"

// ValidateName accepts docker's and podman's volume names,
// [a-zA-Z0-9][a-zA-Z0-9_.-]*: no "/", no "..", no NUL, so a name can never
// point a volume's directory outside the volumes root.
func ValidateName(name string) error {
	ok := name != "" && len(name) <= 255
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case i > 0 && (r == '_' || r == '.' || r == '-'):
		default:
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("%w: name %q must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", ErrInvalid, name)
	}
	return nil
}

// Options are the local driver's -o settings.
type Options struct {
	Type   string // "", "tmpfs" or "bind"
	Device string // bind: the host directory
	Mount  string // o=: mount options, comma separated
}

// ParseOptions checks the -o KEY=VALUE map of `volume create`.
func ParseOptions(o map[string]string) (Options, error) {
	var opts Options
	for k, v := range o {
		switch k {
		case "type":
			opts.Type = v
		case "device":
			opts.Device = v
		case "o":
			opts.Mount = v
		default:
			return opts, fmt.Errorf("%w: unknown option %q (the local driver takes type, device and o)", ErrInvalid, k)
		}
	}
	switch opts.Type {
	case "":
		if opts.Device != "" || opts.Mount != "" {
			return opts, fmt.Errorf("%w: device and o need type=tmpfs or type=bind", ErrInvalid)
		}
	case "tmpfs":
		if opts.Device != "" && opts.Device != "tmpfs" {
			return opts, fmt.Errorf("%w: a tmpfs volume takes no device", ErrInvalid)
		}
	case "bind", "none":
		opts.Type = "bind"
		if !filepath.IsAbs(opts.Device) {
			return opts, fmt.Errorf("%w: type=bind needs device=ABSOLUTE-HOST-DIR", ErrInvalid)
		}
		st, err := os.Stat(opts.Device)
		if err != nil {
			return opts, fmt.Errorf("%w: device %s: %w", ErrInvalid, opts.Device, err)
		}
		if !st.IsDir() {
			return opts, fmt.Errorf("%w: device %s is not a directory", ErrInvalid, opts.Device)
		}
	default:
		return opts, fmt.Errorf("%w: unsupported type %q (tmpfs or bind)", ErrInvalid, opts.Type)
	}
	if _, _, err := mountFlags(opts.Mount); err != nil {
		return opts, err
	}
	return opts, nil
}

// NeedsMount reports whether the volume's data dir gets a mount.
func (o Options) NeedsMount() bool { return o.Type != "" }

var flagNames = map[string]uintptr{
	"ro": unix.MS_RDONLY, "nosuid": unix.MS_NOSUID, "nodev": unix.MS_NODEV,
	"noexec": unix.MS_NOEXEC, "noatime": unix.MS_NOATIME, "relatime": unix.MS_RELATIME,
	"sync": unix.MS_SYNCHRONOUS, "rw": 0, "suid": 0, "dev": 0, "exec": 0,
}

// mountFlags splits o= into mount(2) flags and file system data.
func mountFlags(o string) (uintptr, string, error) {
	var flags uintptr
	var data []string
	for _, opt := range strings.Split(o, ",") {
		switch f, ok := flagNames[opt]; {
		case opt == "":
		case ok:
			flags |= f
		case strings.ContainsAny(opt, "\x00"):
			return 0, "", fmt.Errorf("%w: bad mount option %q", ErrInvalid, opt)
		default:
			data = append(data, opt)
		}
	}
	return flags, strings.Join(data, ","), nil
}

// Dir is the volume's directory under root; DataDir is what containers
// see.
func Dir(root, name string) string     { return filepath.Join(root, name) }
func DataDir(root, name string) string { return filepath.Join(root, name, "_data") }

// Create makes the volume's directories. A directory left by an earlier,
// interrupted attempt is reused.
func Create(root, name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := os.MkdirAll(DataDir(root, name), 0o755); err != nil {
		return fmt.Errorf("creating volume %s: %w", name, err)
	}
	return nil
}

// Mounted reports whether a file system is mounted on dir.
func Mounted(dir string) (bool, error) {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, dir, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_BASIC_STATS, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return false, nil
		}
		return false, fmt.Errorf("stat %s: %w", dir, err)
	}
	return st.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 && st.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0, nil
}

// Mount mounts the volume's file system on its data dir, once.
func Mount(root, name string, o Options) error {
	if !o.NeedsMount() {
		return nil
	}
	dir := DataDir(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if ok, err := Mounted(dir); err != nil || ok {
		return err
	}
	flags, data, err := mountFlags(o.Mount)
	if err != nil {
		return err
	}
	switch o.Type {
	case "tmpfs":
		err = unix.Mount("tmpfs", dir, "tmpfs", flags, data)
	case "bind":
		err = unix.Mount(o.Device, dir, "", unix.MS_BIND|unix.MS_REC, "")
		if err == nil && flags != 0 {
			err = unix.Mount("", dir, "", unix.MS_BIND|unix.MS_REMOUNT|flags, "")
		}
	}
	if err != nil {
		return fmt.Errorf("mounting volume %s: %w", name, err)
	}
	// Private: later mounts in the engine's namespace must not propagate
	// into the volume's source.
	_ = unix.Mount("", dir, "", unix.MS_PRIVATE|unix.MS_REC, "")
	return nil
}

// Unmount removes the volume's mount, if any (and any stacked ones).
func Unmount(root, name string) error {
	dir := DataDir(root, name)
	for range 8 {
		ok, err := Mounted(dir)
		if err != nil || !ok {
			return err
		}
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("unmounting volume %s: %w", name, err)
		}
	}
	return fmt.Errorf("unmounting volume %s: still mounted", name)
}

// Remove deletes the volume's directory. It unmounts first and refuses to
// delete anything while a file system is still mounted on the data dir: a
// bind volume's device is the user's data and must survive.
func Remove(root, name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := Unmount(root, name); err != nil {
		return err
	}
	if ok, err := Mounted(DataDir(root, name)); err != nil || ok {
		return errors.Join(err, fmt.Errorf("volume %s: data dir still mounted, not deleting", name))
	}
	if err := os.RemoveAll(Dir(root, name)); err != nil {
		return fmt.Errorf("removing volume %s: %w", name, err)
	}
	return nil
}

// Empty reports whether dir has no entries (a missing dir is empty).
func Empty(dir string) (bool, error) {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if errors.Is(err, os.ErrNotExist) || len(names) == 0 {
		return true, nil
	}
	return false, nil
}

// SortedKeys is a helper for stable output of option maps.
func SortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
