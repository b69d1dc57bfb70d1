// Package archive moves files in and out of directories as tar streams
// without ever leaving a chosen root directory: container root file
// systems, volume directories, a host destination. Every path is resolved
// by the kernel with openat2(RESOLVE_IN_ROOT), so ".." and absolute
// symlinks stay inside the root the way they would inside a chroot, and
// each file is then opened relative to its parent's descriptor with
// O_NOFOLLOW: a symlink planted by a container can never redirect a read
// or a write to the host.
package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ErrUnsafe is wrapped by the errors for archive entries that would leave
// the destination (a ".." path, a hard link to outside).
var ErrUnsafe = errors.New("unsafe archive entry")

// Root is a directory that every path given to its methods is resolved
// in, as if it were "/".
type Root struct {
	f    *os.File
	path string
}

// OpenRoot opens dir as a Root. dir itself is resolved normally: it is
// the caller's trusted path (a rootfs mount, /proc/PID/root, a volume).
func OpenRoot(dir string) (*Root, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	return &Root{f: os.NewFile(uintptr(fd), dir), path: dir}, nil
}

// Close releases the root's descriptor.
func (r *Root) Close() error { return r.f.Close() }

// Path is the directory the root was opened on.
func (r *Root) Path() string { return r.path }

func (r *Root) fd() int { return int(r.f.Fd()) }

// Clean turns a user's path into the canonical absolute path inside a
// root ("a/../b/" → "/b"). ".." cannot climb above "/".
func Clean(p string) string { return path.Clean("/" + p) }

// open resolves p inside the root with openat2(RESOLVE_IN_ROOT); flags
// O_NOFOLLOW applies to the last component only. Magic links
// (/proc/self/fd/...) are refused: they could point anywhere.
func (r *Root) open(p string, flags int) (int, error) {
	rel := strings.TrimPrefix(Clean(p), "/")
	if rel == "" {
		rel = "."
	}
	how := unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	for range 16 {
		fd, err := unix.Openat2(r.fd(), rel, &how)
		// EAGAIN: a concurrent rename raced the lookup; try again.
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return -1, &fs.PathError{Op: "open", Path: Clean(p), Err: err}
		}
		return fd, nil
	}
	return -1, &fs.PathError{Op: "open", Path: Clean(p), Err: unix.EAGAIN}
}

// openParent opens the directory holding p and returns it with p's last
// component. The root itself has no parent: it is returned as ".".
func (r *Root) openParent(p string) (int, string, error) {
	p = Clean(p)
	if p == "/" {
		fd, err := unix.Dup(r.fd())
		return fd, ".", err
	}
	fd, err := r.open(path.Dir(p), unix.O_PATH|unix.O_DIRECTORY)
	return fd, path.Base(p), err
}

// Info describes one file, as docker's path-stat header does.
type Info struct {
	Name       string
	Size       int64
	Mode       fs.FileMode
	ModTime    time.Time
	LinkTarget string
}

// IsDir reports whether the file is a directory.
func (i Info) IsDir() bool { return i.Mode.IsDir() }

// Lstat describes p without following a final symlink.
func (r *Root) Lstat(p string) (Info, error) {
	pfd, base, err := r.openParent(p)
	if err != nil {
		return Info{}, err
	}
	defer unix.Close(pfd)
	var st unix.Stat_t
	if err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH); err != nil {
		return Info{}, &fs.PathError{Op: "lstat", Path: Clean(p), Err: err}
	}
	info := infoOf(path.Base(Clean(p)), &st)
	if info.Mode&fs.ModeSymlink != 0 {
		info.LinkTarget, _ = readlinkat(pfd, base)
	}
	return info, nil
}

// Stat describes p, following symlinks inside the root.
func (r *Root) Stat(p string) (Info, error) {
	fd, err := r.open(p, unix.O_PATH)
	if err != nil {
		return Info{}, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return Info{}, &fs.PathError{Op: "stat", Path: Clean(p), Err: err}
	}
	return infoOf(path.Base(Clean(p)), &st), nil
}

func infoOf(name string, st *unix.Stat_t) Info {
	return Info{
		Name:    name,
		Size:    st.Size,
		Mode:    fileMode(st.Mode),
		ModTime: time.Unix(st.Mtim.Unix()),
	}
}

// fileMode converts a stat mode to fs.FileMode.
func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

func readlinkat(dirfd int, name string) (string, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < len(buf) {
			return string(buf[:n]), nil
		}
		buf = make([]byte, len(buf)*4)
	}
}

// reopen turns an O_PATH descriptor into a real one. /proc/self/fd is our
// own process's table: the magic link names exactly the file we hold.
func reopen(fd, flags int) (*os.File, error) {
	p := fmt.Sprintf("/proc/self/fd/%d", fd)
	nfd, err := unix.Open(p, flags|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(nfd), p), nil
}

// MkdirAll creates directory p (and missing parents) inside the root.
func (r *Root) MkdirAll(p string, mode uint32) error {
	fd, err := r.mkdirAll(p, mode)
	if err == nil {
		unix.Close(fd)
	}
	return err
}

// mkdirAll returns an O_PATH descriptor of directory p, creating it and
// its parents as needed, each resolved inside the root.
func (r *Root) mkdirAll(p string, mode uint32) (int, error) {
	p = Clean(p)
	fd, err := r.open(p, unix.O_PATH|unix.O_DIRECTORY)
	if err == nil || !errors.Is(err, unix.ENOENT) || p == "/" {
		return fd, err
	}
	pfd, err := r.mkdirAll(path.Dir(p), mode)
	if err != nil {
		return -1, err
	}
	err = unix.Mkdirat(pfd, path.Base(p), mode)
	unix.Close(pfd)
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return -1, &fs.PathError{Op: "mkdir", Path: p, Err: err}
	}
	return r.open(p, unix.O_PATH|unix.O_DIRECTORY)
}
