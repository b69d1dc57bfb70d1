package spec

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// User is the identity the container process runs as.
type User struct {
	UID, GID       uint32
	AdditionalGids []uint32
	Home           string // from passwd; "/" when unknown
}

// maxDBSize bounds how much of /etc/passwd or /etc/group we read: the files
// come from an untrusted image and could be huge or a device node.
const maxDBSize = 32 << 20

type passwdEntry struct {
	name     string
	uid, gid uint32
	home     string
}

type groupEntry struct {
	name    string
	gid     uint32
	members []string
}

// ResolveUser resolves "user[:group]" (names or numeric ids) against the
// image's /etc/passwd and /etc/group. An empty user means root.
//
// The files are opened with the rootfs as the root of path resolution, so a
// symlinked /etc/passwd (absolute or with "..") resolves inside the rootfs
// and never reads a host file.
//
// Rules (those of docker/runc): a numeric uid need not exist in passwd (gid
// then defaults to 0); a name must exist. An explicit group replaces the
// primary group, and supplementary groups from /etc/group are only added in
// the implicit form (no group given), when the user has a passwd entry.
func ResolveUser(rootfs, user string) (User, error) {
	if err := validateUserSyntax(user); err != nil {
		return User{}, err
	}
	name, group, hasGroup := strings.Cut(user, ":")
	if name == "" {
		name = "0"
	}
	root, err := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return User{}, fmt.Errorf("open rootfs %s: %w", rootfs, err)
	}
	defer unix.Close(root)

	users, err := readPasswd(root)
	if err != nil {
		return User{}, err
	}
	u := User{Home: "/"}
	var entry *passwdEntry
	if id, ok := parseID(name); ok {
		u.UID = id
		entry = findUser(users, func(e *passwdEntry) bool { return e.uid == id })
	} else {
		entry = findUser(users, func(e *passwdEntry) bool { return e.name == name })
		if entry == nil {
			return User{}, invalidf("unable to find user %s: no matching entries in passwd file", name)
		}
		u.UID = entry.uid
	}
	if entry != nil {
		u.GID = entry.gid
		if entry.home != "" {
			u.Home = entry.home
		}
	}

	switch {
	case hasGroup:
		if id, ok := parseID(group); ok {
			u.GID = id
			break
		}
		groups, err := readGroup(root)
		if err != nil {
			return User{}, err
		}
		i := slices.IndexFunc(groups, func(g groupEntry) bool { return g.name == group })
		if i < 0 {
			return User{}, invalidf("unable to find group %s: no matching entries in group file", group)
		}
		u.GID = groups[i].gid
	case entry != nil:
		groups, err := readGroup(root)
		if err != nil {
			return User{}, err
		}
		for _, g := range groups {
			if slices.Contains(g.members, entry.name) && !slices.Contains(u.AdditionalGids, g.gid) {
				u.AdditionalGids = append(u.AdditionalGids, g.gid)
			}
		}
	}
	return u, nil
}

func findUser(users []passwdEntry, match func(*passwdEntry) bool) *passwdEntry {
	for i := range users {
		if match(&users[i]) {
			return &users[i]
		}
	}
	return nil
}

func parseID(s string) (uint32, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}

// readPasswd parses name:password:uid:gid:gecos:home:shell lines.
func readPasswd(root int) ([]passwdEntry, error) {
	var out []passwdEntry
	err := readDB(root, "/etc/passwd", func(f []string) {
		if len(f) < 4 {
			return
		}
		uid, ok1 := parseID(f[2])
		gid, ok2 := parseID(f[3])
		if f[0] == "" || !ok1 || !ok2 {
			return
		}
		e := passwdEntry{name: f[0], uid: uid, gid: gid}
		if len(f) > 5 {
			e.home = f[5]
		}
		out = append(out, e)
	})
	return out, err
}

// readGroup parses name:password:gid:member,member lines.
func readGroup(root int) ([]groupEntry, error) {
	var out []groupEntry
	err := readDB(root, "/etc/group", func(f []string) {
		if len(f) < 3 {
			return
		}
		gid, ok := parseID(f[2])
		if f[0] == "" || !ok {
			return
		}
		e := groupEntry{name: f[0], gid: gid}
		if len(f) > 3 && f[3] != "" {
			e.members = strings.Split(f[3], ",")
		}
		out = append(out, e)
	})
	return out, err
}

// readDB calls fn with the colon-separated fields of every entry of a
// passwd-style file inside root. A missing file is an empty database.
// Comments and NIS compat lines ("+", "-") are skipped.
func readDB(root int, name string, fn func([]string)) error {
	f, err := openInRoot(root, name)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s in container rootfs: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s in container rootfs: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return invalidf("%s in the container rootfs is not a regular file", name)
	}
	sc := bufio.NewScanner(io.LimitReader(f, maxDBSize))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		fn(strings.Split(line, ":"))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s in container rootfs: %w", name, err)
	}
	return nil
}

// openInRoot opens name read-only with root as "/" for path resolution.
// openat2(RESOLVE_IN_ROOT) does it in one syscall (Linux 5.6+); where it is
// missing or filtered by seccomp we fall back to pathrs-lite, which walks
// the path component by component with the same semantics.
func openInRoot(root int, name string) (*os.File, error) {
	how := unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOCTTY | unix.O_NONBLOCK,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	for range 16 {
		fd, err := unix.Openat2(root, name, &how)
		switch {
		case err == nil:
			return os.NewFile(uintptr(fd), name), nil
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
			// EAGAIN: a concurrent rename raced the lookup; retry.
			continue
		case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EPERM):
			return openInRootFallback(root, name)
		default:
			return nil, &os.PathError{Op: "openat2", Path: name, Err: err}
		}
	}
	return openInRootFallback(root, name)
}

func openInRootFallback(root int, name string) (*os.File, error) {
	// Duplicate root so that closing the *os.File wrapper does not close the
	// caller's descriptor.
	dup, err := unix.FcntlInt(uintptr(root), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("dup rootfs fd: %w", err)
	}
	rootFile := os.NewFile(uintptr(dup), "rootfs")
	defer rootFile.Close()
	h, err := pathrs.OpenatInRoot(rootFile, name)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return pathrs.Reopen(h, unix.O_RDONLY|unix.O_NOCTTY|unix.O_NONBLOCK)
}
