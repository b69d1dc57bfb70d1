package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/archive"
	"github.com/berthproject/berth/internal/state"
)

func nowFunc() time.Time { return time.Now() }

// copyUp copies the image's content at dest (read from the container's
// mounted rootfs, resolved inside it) into the empty volume directory
// dataDir, with owners and modes, the way docker and podman fill a new
// volume. A volume that already holds data is left alone.
func (l *Locked) copyUp(ctx context.Context, dest, dataDir string) error {
	rootfs := l.c.state.Mountpoint
	if rootfs == "" {
		return nil
	}
	if empty, err := dirEmpty(dataDir); err != nil || !empty {
		return err
	}
	src, err := archive.OpenRoot(rootfs)
	if err != nil {
		return err
	}
	defer src.Close()
	info, err := src.Stat(dest)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !info.IsDir() {
		return nil
	}
	if err != nil {
		return fmt.Errorf("copying image content of %s into its volume: %w", dest, err)
	}
	dst, err := archive.OpenRoot(dataDir)
	if err != nil {
		return err
	}
	defer dst.Close()
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(src.Tar(ctx, pw, dest, archive.TarOptions{FollowLink: true, Name: "."}))
	}()
	_, err = dst.Untar(ctx, pr, archive.UntarOptions{Dest: "/", KeepOwner: true})
	pr.CloseWithError(err)
	if err != nil {
		return fmt.Errorf("copying image content of %s into its volume: %w", dest, err)
	}
	// The volume's root takes the mode and owner of the image directory.
	st, err := src.Lstat(dest)
	if err == nil && st.IsDir() {
		err = os.Chmod(dataDir, st.Mode.Perm()|st.Mode&(fs.ModeSticky|fs.ModeSetgid|fs.ModeSetuid))
	}
	return err
}

func dirEmpty(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	names, _ := f.Readdirnames(1)
	return len(names) == 0, nil
}

// chownToUser gives dir (recursively) to the container's user: the U
// mount option.
func (l *Locked) chownToUser(dir string) error {
	c := l.c
	userSpec := c.config.Spec.User
	if userSpec == "" {
		userSpec = c.config.ImageConfig.User
	}
	u, err := spec.ResolveUser(c.state.Mountpoint, userSpec)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(u.UID), int(u.GID))
	})
}

// imageMountArtifact records that the container holds a reference on the
// image mount, so restarts do not pile up references and rm drops it.
func imageMountArtifact(imageID string) string { return "image-mount:" + imageID }

// mountImage mounts an image for --mount type=image and returns its root.
func (l *Locked) mountImage(ctx context.Context, ref string) (string, error) {
	c := l.c
	st, imgs, err := c.r.storage(ctx)
	if err != nil {
		return "", err
	}
	img, err := imgs.Lookup(ctx, ref)
	if err != nil {
		return "", mapImageErr(err)
	}
	mp, err := st.MountImage(ctx, img.ID)
	if err != nil {
		return "", err
	}
	name := imageMountArtifact(img.ID)
	if _, err := c.r.db.Artifact(ctx, c.config.ID, name); err == nil {
		// We held a reference already (a restart): keep just one.
		return mp, st.UnmountImage(ctx, img.ID)
	}
	return mp, c.r.db.SetArtifact(ctx, c.config.ID, name, []byte(img.ID))
}

// unmountImages drops the container's references on image mounts.
func (l *Locked) unmountImages(ctx context.Context) error {
	c := l.c
	for _, m := range c.config.Spec.Mounts {
		if m.Type != mountImage {
			continue
		}
		st, imgs, err := c.r.storage(ctx)
		if err != nil {
			return err
		}
		img, err := imgs.Lookup(ctx, m.Source)
		if err != nil {
			continue
		}
		name := imageMountArtifact(img.ID)
		if _, err := c.r.db.Artifact(ctx, c.config.ID, name); errors.Is(err, state.ErrNotFound) {
			continue
		}
		if err := st.UnmountImage(ctx, img.ID); err != nil {
			return err
		}
		if err := c.r.db.RemoveArtifact(ctx, c.config.ID, name); err != nil && !errors.Is(err, state.ErrNotFound) {
			return err
		}
	}
	return nil
}

// inspectMounts describes the container's mounts as podman and docker
// do: volumes by name and data dir, binds by host path, tmpfs.
func (c *Container) inspectMounts(ctx context.Context) []InspectMount {
	ms, err := c.r.containerMounts(ctx, c.config, true)
	if err != nil {
		return inspectMounts(c.config.Spec.Mounts)
	}
	out := make([]InspectMount, 0, len(ms))
	for _, m := range ms {
		base := m.Mount
		if m.Type == mountVolume {
			base.Source = volumeDataDir(c.r, m.Source)
		}
		im := inspectMounts([]spec.Mount{base})[0]
		im.Type = m.Type
		if m.Type == mountVolume {
			im.Name, im.Driver = m.Source, "local"
		}
		if m.Type == mountTmpfs {
			im.Source, im.Options = "tmpfs", nonNil(m.Options)
		}
		out = append(out, im)
	}
	return out
}

func volumeDataDir(r *Runtime, name string) string {
	return filepath.Join(r.volumesDir(), name, "_data")
}
