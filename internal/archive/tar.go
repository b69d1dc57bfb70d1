package archive

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// TarOptions shape the archive Tar writes.
type TarOptions struct {
	// Name is the entry name of the source itself; its children are
	// Name/child. With ContentsOnly the source's own entry is left out and
	// children are named relative to it (docker's "SRC/." rule).
	Name         string
	ContentsOnly bool
	// FollowLink follows a final symlink of the source (cp -L).
	// Symlinks below the source are always archived as links.
	FollowLink bool
}

// Tar writes src (resolved inside the root) to w as an uncompressed tar
// stream. Nothing outside the root is read: each file is opened relative
// to its directory's descriptor with O_NOFOLLOW.
func (r *Root) Tar(ctx context.Context, w io.Writer, src string, opts TarOptions) error {
	var fd int
	var err error
	if opts.FollowLink {
		fd, err = r.open(src, unix.O_PATH)
	} else {
		fd, err = r.open(src, unix.O_PATH|unix.O_NOFOLLOW)
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	t := &tarWriter{ctx: ctx, tw: tar.NewWriter(w), links: map[[2]uint64]string{}}
	name := opts.Name
	if name == "" {
		name = path.Base(Clean(src))
	}
	if err := t.add(fd, name, opts.ContentsOnly); err != nil {
		return err
	}
	return t.tw.Close()
}

type tarWriter struct {
	ctx   context.Context
	tw    *tar.Writer
	links map[[2]uint64]string // (dev, inode) → first name, for hard links
}

// add archives the object fd (an O_PATH descriptor) as name, and its
// children when it is a directory. skipSelf leaves out its own entry.
func (t *tarWriter) add(fd int, name string, skipSelf bool) error {
	if err := t.ctx.Err(); err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat %s: %w", name, err)
	}
	hdr := &tar.Header{
		Name:    name,
		Mode:    int64(st.Mode & 0o7777),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: time.Unix(st.Mtim.Unix()),
		Format:  tar.FormatPAX,
	}
	kind := st.Mode & unix.S_IFMT
	key := [2]uint64{st.Dev, st.Ino}
	switch {
	case kind == unix.S_IFDIR:
		hdr.Typeflag, hdr.Name = tar.TypeDir, name+"/"
	case kind == unix.S_IFREG && st.Nlink > 1 && t.links[key] != "":
		hdr.Typeflag, hdr.Linkname = tar.TypeLink, t.links[key]
	case kind == unix.S_IFREG:
		hdr.Typeflag, hdr.Size = tar.TypeReg, st.Size
		if st.Nlink > 1 {
			t.links[key] = name
		}
	case kind == unix.S_IFLNK:
		target, err := readlinkat(fd, "")
		if err != nil {
			return fmt.Errorf("readlink %s: %w", name, err)
		}
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
	case kind == unix.S_IFIFO:
		hdr.Typeflag = tar.TypeFifo
	case kind == unix.S_IFCHR, kind == unix.S_IFBLK:
		hdr.Typeflag = tar.TypeChar
		if kind == unix.S_IFBLK {
			hdr.Typeflag = tar.TypeBlock
		}
		hdr.Devmajor, hdr.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	default:
		return nil // sockets do not travel in archives
	}
	if !skipSelf {
		if err := t.tw.WriteHeader(hdr); err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeReg {
			if err := t.copyFile(fd, hdr); err != nil {
				return err
			}
		}
	}
	if kind != unix.S_IFDIR {
		return nil
	}
	return t.addChildren(fd, name, skipSelf)
}

func (t *tarWriter) copyFile(fd int, hdr *tar.Header) error {
	f, err := reopen(fd, unix.O_RDONLY)
	if err != nil {
		return fmt.Errorf("open %s: %w", hdr.Name, err)
	}
	defer f.Close()
	// Exactly Size bytes: a file growing or shrinking meanwhile must not
	// corrupt the stream.
	n, err := io.Copy(t.tw, io.LimitReader(f, hdr.Size))
	if err != nil {
		return fmt.Errorf("reading %s: %w", hdr.Name, err)
	}
	if n < hdr.Size {
		_, err = io.CopyN(t.tw, zeros{}, hdr.Size-n)
	}
	return err
}

func (t *tarWriter) addChildren(fd int, name string, contentsOnly bool) error {
	d, err := reopen(fd, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	slices.Sort(names)
	for _, child := range names {
		cfd, err := unix.Openat(int(d.Fd()), child, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) {
			continue // removed meanwhile
		}
		if err != nil {
			return &fs.PathError{Op: "open", Path: path.Join(name, child), Err: err}
		}
		cname := path.Join(name, child)
		if contentsOnly {
			cname = child
		}
		err = t.add(cfd, cname, false)
		unix.Close(cfd)
		if err != nil {
			return err
		}
	}
	return nil
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
