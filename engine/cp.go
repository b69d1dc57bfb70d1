package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/berthproject/berth/internal/archive"
)

// CopyOptions describe one `cp`. Exactly one side names a container; the
// other is a host path, or "-" for a tar stream on Stdin / Stdout.
type CopyOptions struct {
	SrcContainer, SrcPath string
	DstContainer, DstPath string
	Stdin                 io.Reader
	Stdout                io.Writer
	// Archive keeps the archive's uid/gid (-a); otherwise copied files
	// belong to root in the container, or to the caller on the host.
	Archive bool
	// FollowLink follows a final symlink of the source (-L).
	FollowLink bool
}

// copyEnd is one side of a copy: a root every path is resolved in, and
// the path inside it, as the user wrote it (trailing "/" and "/." matter).
type copyEnd struct {
	root *archive.Root
	path string
}

// Copy copies files between the host and a container, running or not,
// following docker's rules: a directory SRC lands in DST/basename(SRC)
// when DST is an existing directory, SRC/. copies the content only, a
// missing DST takes the copy's name, "DST/" must be an existing directory.
// Paths in the container are resolved inside its root file system, so no
// symlink of the container can make the copy read or write on the host.
func (r *Runtime) Copy(ctx context.Context, o CopyOptions) error {
	switch {
	case o.SrcContainer != "" && o.DstContainer != "":
		return fmt.Errorf("copying between containers is not supported: %w", ErrInvalidArg)
	case o.SrcContainer == "" && o.DstContainer == "":
		return fmt.Errorf("one of source and destination must be CONTAINER:PATH: %w", ErrInvalidArg)
	}
	ref := o.SrcContainer + o.DstContainer
	c, err := r.LookupContainer(ctx, ref)
	if err != nil {
		return err
	}
	ctrPath := o.SrcPath
	if o.DstContainer != "" {
		ctrPath = o.DstPath
	}
	if !path.IsAbs(ctrPath) {
		ctrPath = "/" + ctrPath
	}
	return c.Batch(ctx, func(l *Locked) error {
		root, rel, release, err := l.copyRoot(ctx, ctrPath)
		if err != nil {
			return err
		}
		defer release()
		ce := copyEnd{root: root, path: rel}
		if o.SrcContainer != "" {
			return copyOut(ctx, ce, o)
		}
		return copyIn(ctx, ce, o)
	})
}

// copyRoot opens the root that p is resolved in. A running container is
// reached through /proc/PID/root, which shows its volumes, binds and
// tmpfs as the container sees them. A stopped one gets its rootfs mounted;
// a path on one of its volumes or binds goes to that directory instead.
func (l *Locked) copyRoot(ctx context.Context, p string) (*archive.Root, string, func(), error) {
	c := l.c
	noop := func() {}
	if c.state.running() && c.state.PID > 0 {
		root, err := archive.OpenRoot(fmt.Sprintf("/proc/%d/root", c.state.PID))
		if err == nil {
			return root, p, func() { root.Close() }, nil
		}
	}
	if c.state.Status == StatusRemoving {
		return nil, "", noop, c.invalidState("copy files")
	}
	ms, err := c.r.containerMounts(ctx, c.config, true)
	if err != nil {
		return nil, "", noop, err
	}
	clean := archive.Clean(p)
	best, bestSrc := "", ""
	for _, m := range ms {
		dest := archive.Clean(m.Destination)
		if clean != dest && !strings.HasPrefix(clean, strings.TrimSuffix(dest, "/")+"/") || len(dest) <= len(best) {
			continue
		}
		switch m.Type {
		case mountVolume:
			v, err := c.r.LookupVolume(ctx, m.Source)
			if err != nil {
				continue
			}
			best, bestSrc = dest, v.Mountpoint()
		case "bind", "":
			best, bestSrc = dest, m.Source
		}
	}
	if best != "" {
		root, err := archive.OpenRoot(bestSrc)
		if err != nil {
			return nil, "", noop, err
		}
		rel := "/" + strings.TrimPrefix(strings.TrimPrefix(p, best), "/")
		if strings.HasSuffix(p, "/") && !strings.HasSuffix(rel, "/") {
			rel += "/"
		}
		return root, rel, func() { root.Close() }, nil
	}
	st, _, err := c.r.storage(ctx)
	if err != nil {
		return nil, "", noop, err
	}
	mp, err := st.Mount(ctx, c.config.ID)
	if err != nil {
		return nil, "", noop, fmt.Errorf("mounting %s: %w", c.config.Name, err)
	}
	unmount := func() { st.Unmount(context.WithoutCancel(ctx), c.config.ID, false) }
	root, err := archive.OpenRoot(mp)
	if err != nil {
		unmount()
		return nil, "", noop, err
	}
	return root, p, func() { root.Close(); unmount() }, nil
}

// copyOut copies from the container end to the host (or a tar stream).
func copyOut(ctx context.Context, src copyEnd, o CopyOptions) error {
	info, err := statSource(src, o.FollowLink)
	if err != nil {
		return fmt.Errorf("%s:%s: %w", o.SrcContainer, o.SrcPath, err)
	}
	topts := tarName(src.path, info)
	topts.FollowLink = o.FollowLink
	if o.DstPath == "-" {
		return src.root.Tar(ctx, o.Stdout, src.path, topts)
	}
	dstAbs, err := filepath.Abs(o.DstPath)
	if err != nil {
		return err
	}
	dir, err := placeCopy(&topts, info, o.DstPath, dstAbs, hostStat)
	if err != nil {
		return err
	}
	dst, err := archive.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer dst.Close()
	return pipeCopy(ctx, src, topts, dst, "/", archive.UntarOptions{KeepOwner: o.Archive, UID: os.Getuid(), GID: os.Getgid()})
}

// copyIn copies from the host (or a tar stream) into the container end.
func copyIn(ctx context.Context, dst copyEnd, o CopyOptions) error {
	uopts := archive.UntarOptions{KeepOwner: o.Archive}
	if o.SrcPath == "-" {
		info, err := dst.root.Stat(dst.path)
		if err != nil {
			return fmt.Errorf("%s:%s: %w", o.DstContainer, o.DstPath, err)
		}
		if !info.IsDir() {
			return fmt.Errorf("%s:%s: extracting a tar stream needs a directory: %w", o.DstContainer, o.DstPath, ErrInvalidArg)
		}
		uopts.Dest = dst.path
		_, err = dst.root.Untar(ctx, o.Stdin, uopts)
		return archiveErr(err)
	}
	srcAbs, err := filepath.Abs(o.SrcPath)
	if err != nil {
		return err
	}
	if strings.HasSuffix(o.SrcPath, "/") && !strings.HasSuffix(srcAbs, "/") {
		srcAbs += "/"
	}
	hostRoot, err := archive.OpenRoot(filepath.Dir(filepath.Clean(srcAbs)))
	if err != nil {
		return fmt.Errorf("%s: %w", o.SrcPath, err)
	}
	defer hostRoot.Close()
	rel := "/" + filepath.Base(filepath.Clean(srcAbs))
	if strings.HasSuffix(o.SrcPath, "/.") {
		rel += "/."
	} else if strings.HasSuffix(o.SrcPath, "/") {
		rel += "/"
	}
	src := copyEnd{root: hostRoot, path: rel}
	info, err := statSource(src, o.FollowLink)
	if err != nil {
		return fmt.Errorf("%s: %w", o.SrcPath, err)
	}
	topts := tarName(src.path, info)
	topts.FollowLink = o.FollowLink
	ctrStat := func(p string) (archive.Info, error) { return dst.root.Stat(p) }
	dir, err := placeCopy(&topts, info, o.DstPath, dst.path, ctrStat)
	if err != nil {
		return err
	}
	return pipeCopy(ctx, src, topts, dst.root, dir, uopts)
}

// statSource checks the source exists and that "SRC/" is a directory.
func statSource(src copyEnd, follow bool) (archive.Info, error) {
	var info archive.Info
	var err error
	if follow || strings.HasSuffix(src.path, "/") || strings.HasSuffix(src.path, "/.") {
		info, err = src.root.Stat(src.path)
	} else {
		info, err = src.root.Lstat(src.path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return info, fmt.Errorf("no such file or directory: %w", ErrInvalidArg)
	}
	if err != nil {
		return info, err
	}
	if (strings.HasSuffix(src.path, "/") || strings.HasSuffix(src.path, "/.")) && !info.IsDir() {
		return info, fmt.Errorf("not a directory: %w", ErrInvalidArg)
	}
	return info, nil
}

// tarName names the copy after the source; "SRC/." copies the content.
func tarName(p string, info archive.Info) archive.TarOptions {
	base := path.Base(archive.Clean(p))
	if info.IsDir() && (strings.HasSuffix(p, "/.") || base == "/") {
		return archive.TarOptions{ContentsOnly: true}
	}
	return archive.TarOptions{Name: base}
}

func hostStat(p string) (archive.Info, error) {
	st, err := os.Stat(p)
	if err != nil {
		return archive.Info{}, err
	}
	return archive.Info{Name: st.Name(), Mode: st.Mode(), Size: st.Size()}, nil
}

// placeCopy applies docker's destination rules: it returns the directory
// to extract in and renames the copy (topts.Name) when DST names it.
func placeCopy(topts *archive.TarOptions, src archive.Info, raw, dst string, stat func(string) (archive.Info, error)) (string, error) {
	di, err := stat(dst)
	switch {
	case err == nil && di.IsDir():
		return dst, nil
	case err == nil && src.IsDir():
		return "", fmt.Errorf("cannot copy a directory to a non-directory %s: %w", raw, ErrInvalidArg)
	case err == nil:
	case !errors.Is(err, fs.ErrNotExist):
		return "", err
	case strings.HasSuffix(raw, "/"):
		return "", fmt.Errorf("destination directory %s does not exist: %w", raw, ErrInvalidArg)
	default:
		if pi, err := stat(filepath.Dir(filepath.Clean(dst))); err != nil || !pi.IsDir() {
			return "", fmt.Errorf("destination %s: parent directory does not exist: %w", raw, ErrInvalidArg)
		}
	}
	// DST is the copy's new name.
	topts.Name, topts.ContentsOnly = filepath.Base(filepath.Clean(dst)), false
	return filepath.Dir(filepath.Clean(dst)), nil
}

// pipeCopy streams src through tar into dst's dir.
func pipeCopy(ctx context.Context, src copyEnd, topts archive.TarOptions, dst *archive.Root, dir string, uopts archive.UntarOptions) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(src.root.Tar(ctx, pw, src.path, topts)) }()
	uopts.Dest = dir
	_, err := dst.Untar(ctx, pr, uopts)
	pr.CloseWithError(err)
	return archiveErr(err)
}
