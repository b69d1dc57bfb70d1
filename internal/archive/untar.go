package archive

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// UntarOptions control extraction.
type UntarOptions struct {
	// Dest is the directory, inside the root, that entries land in. It
	// must exist.
	Dest string
	// KeepOwner applies the archive's uid/gid (cp -a, volume import).
	// Otherwise files belong to UID:GID.
	KeepOwner bool
	UID, GID  int
}

// Result tells what an extraction left out.
type Result struct {
	// SkippedDevices counts device nodes that were not created: an archive
	// must not hand a container (or the host) a raw disk.
	SkippedDevices int
}

// Untar extracts the tar stream rd below opts.Dest. Entry names are made
// relative ("/etc/x" → "etc/x"); an entry or hard link climbing out with
// ".." is refused before anything of it is written. Every path is resolved
// inside the root, so symlinks (in the target or from the archive itself)
// cannot lead outside it.
func (r *Root) Untar(ctx context.Context, rd io.Reader, opts UntarOptions) (Result, error) {
	var res Result
	dest := Clean(opts.Dest)
	if _, err := r.Stat(dest); err != nil {
		return res, err
	}
	type dirTime struct {
		p  string
		at time.Time
	}
	var dirs []dirTime
	tr := tar.NewReader(rd)
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("reading archive: %w", err)
		}
		name, err := entryName(hdr.Name)
		if err != nil {
			return res, err
		}
		if hdr.Typeflag == tar.TypeChar || hdr.Typeflag == tar.TypeBlock {
			res.SkippedDevices++
			continue
		}
		if name == "." && hdr.Typeflag != tar.TypeDir {
			return res, fmt.Errorf("%w: %q names the destination itself", ErrUnsafe, hdr.Name)
		}
		full := path.Join(dest, name)
		if err := r.extract(hdr, tr, dest, full, opts); err != nil {
			return res, err
		}
		if hdr.Typeflag == tar.TypeDir {
			dirs = append(dirs, dirTime{full, hdr.ModTime})
		}
	}
	// Directory times last: creating their children changed them.
	for i := len(dirs) - 1; i >= 0; i-- {
		if pfd, base, err := r.openParent(dirs[i].p); err == nil {
			setTimes(pfd, base, dirs[i].at)
			unix.Close(pfd)
		}
	}
	return res, nil
}

// entryName sanitises a tar entry name: leading slashes are dropped, and a
// name that climbs above the archive root is refused.
func entryName(n string) (string, error) {
	if strings.ContainsRune(n, 0) {
		return "", fmt.Errorf("%w: %q contains a NUL byte", ErrUnsafe, n)
	}
	c := path.Clean(strings.TrimLeft(n, "/"))
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%w: %q points outside the destination", ErrUnsafe, n)
	}
	return c, nil
}

func (r *Root) extract(hdr *tar.Header, body io.Reader, dest, full string, opts UntarOptions) error {
	pfd, err := r.mkdirAll(path.Dir(full), 0o755)
	if err != nil {
		return fmt.Errorf("extracting %s: %w", hdr.Name, err)
	}
	defer unix.Close(pfd)
	base := path.Base(full)
	mode := uint32(hdr.Mode & 0o7777)
	if full == dest {
		// "./" of an archive: the destination itself; leave it alone.
		return nil
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := mkdirReplacing(pfd, base, mode); err != nil {
			return fmt.Errorf("extracting %s: %w", hdr.Name, err)
		}
	case tar.TypeReg, tar.TypeRegA:
		if err := writeFile(pfd, base, mode, body); err != nil {
			return fmt.Errorf("extracting %s: %w", hdr.Name, err)
		}
	case tar.TypeSymlink:
		if err := replace(pfd, base); err != nil {
			return fmt.Errorf("extracting %s: %w", hdr.Name, err)
		}
		if err := unix.Symlinkat(hdr.Linkname, pfd, base); err != nil {
			return fmt.Errorf("extracting %s: %w", hdr.Name, err)
		}
	case tar.TypeLink:
		target, err := entryName(hdr.Linkname)
		if err != nil {
			return fmt.Errorf("hard link %s: %w", hdr.Name, err)
		}
		tfd, err := r.open(path.Join(dest, target), unix.O_PATH|unix.O_NOFOLLOW)
		if err != nil {
			return fmt.Errorf("hard link %s: %w", hdr.Name, err)
		}
		defer unix.Close(tfd)
		if err := replace(pfd, base); err != nil {
			return fmt.Errorf("extracting %s: %w", hdr.Name, err)
		}
		if err := unix.Linkat(tfd, "", pfd, base, unix.AT_EMPTY_PATH); err != nil {
			return fmt.Errorf("hard link %s: %w", hdr.Name, err)
		}
		return nil // a link shares its target's owner, mode and times
	case tar.TypeFifo:
		if err := replace(pfd, base); err != nil {
			return fmt.Errorf("extracting %s: %w", hdr.Name, err)
		}
		if err := unix.Mkfifoat(pfd, base, mode); err != nil {
			return fmt.Errorf("extracting %s: %w", hdr.Name, err)
		}
	case tar.TypeXGlobalHeader:
		return nil
	default:
		return nil // other kinds (sparse tails, vendor types) are ignored
	}
	uid, gid := opts.UID, opts.GID
	if opts.KeepOwner {
		uid, gid = hdr.Uid, hdr.Gid
	}
	if err := setOwnerMode(pfd, base, uid, gid, mode, hdr.Typeflag != tar.TypeSymlink); err != nil {
		return fmt.Errorf("extracting %s: %w", hdr.Name, err)
	}
	setTimes(pfd, base, hdr.ModTime)
	return nil
}

// replace removes whatever non-directory is at base, so that a new entry
// never writes through an existing symlink or hard link.
func replace(pfd int, base string) error {
	err := unix.Unlinkat(pfd, base, 0)
	switch {
	case err == nil, errors.Is(err, unix.ENOENT):
		return nil
	case errors.Is(err, unix.EISDIR):
		return fmt.Errorf("cannot overwrite directory %q with a non-directory", base)
	}
	return err
}

func mkdirReplacing(pfd int, base string, mode uint32) error {
	err := unix.Mkdirat(pfd, base, mode)
	if !errors.Is(err, unix.EEXIST) {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return nil
	}
	if err := unix.Unlinkat(pfd, base, 0); err != nil {
		return err
	}
	return unix.Mkdirat(pfd, base, mode)
}

func writeFile(pfd int, base string, mode uint32, body io.Reader) error {
	if err := replace(pfd, base); err != nil {
		return err
	}
	fd, err := unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode&0o777)
	if err != nil {
		return err
	}
	f := fileFD(fd)
	_, err = io.Copy(f, body)
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	return err
}

// fileFD is an io.Writer over a raw descriptor.
type fileFD int

func (f fileFD) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Write(int(f), p[n:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return n, &fs.PathError{Op: "write", Err: err}
		}
		n += m
	}
	return n, nil
}

func setTimes(pfd int, base string, at time.Time) {
	if at.IsZero() {
		return
	}
	ts := unix.NsecToTimespec(at.UnixNano())
	_ = unix.UtimesNanoAt(pfd, base, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
}

// setOwnerMode changes the owner (and mode) of the file just created at
// base through an O_PATH|O_NOFOLLOW descriptor, so that a process of a
// running container swapping the file for a symlink cannot redirect the
// change: /proc/self/fd/N names the very inode we opened.
func setOwnerMode(pfd int, base string, uid, gid int, mode uint32, chmod bool) error {
	fd, err := unix.Openat(pfd, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Fchownat(fd, "", uid, gid, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if !chmod || st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return nil
	}
	// After chown, which clears set-id bits.
	if err := unix.Chmod(fmt.Sprintf("/proc/self/fd/%d", fd), mode); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return nil
}
