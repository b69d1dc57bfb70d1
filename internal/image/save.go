package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.podman.io/image/v5/copy"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/signature"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
)

// Archive formats accepted by Save.
const (
	FormatDockerArchive = "docker-archive"
	FormatOCIArchive    = "oci-archive"
	// FormatOCIDir writes an OCI image layout directory instead of a tar.
	FormatOCIDir = "oci-dir"
)

// saveItem is one image to write, with the name to record ("" for none).
type saveItem struct {
	id   string
	name reference.Named
}

// Save writes the images refs resolve to into one archive at path, in
// format FormatDockerArchive (the default when format is "") or
// FormatOCIArchive. An image given by name is recorded under that name
// (RepoTags, or the index's org.opencontainers.image.ref.name as a full
// reference, which Load reads back); an image given by ID is saved
// unnamed, as docker does. Both formats hold several images.
//
// A regular-file path is written to a temporary file next to it and
// renamed into place, so a failed save leaves no partial archive; other
// paths (a pipe, /dev/stdout) are written directly.
func (s *Service) Save(ctx context.Context, refs []string, format, path string) (retErr error) {
	if len(refs) == 0 {
		return errors.New("save: no image given")
	}
	if format == "" {
		format = FormatDockerArchive
	}
	if format != FormatDockerArchive && format != FormatOCIArchive && format != FormatOCIDir {
		return fmt.Errorf("save: unknown format %q (want %s, %s or %s)", format, FormatDockerArchive, FormatOCIArchive, FormatOCIDir)
	}
	items := make([]saveItem, 0, len(refs))
	for _, ref := range refs {
		img, name, err := s.resolve(ref)
		if err != nil {
			return err
		}
		it := saveItem{id: img.ID}
		if name != "" {
			if it.name, err = reference.ParseNormalizedNamed(name); err != nil {
				return fmt.Errorf("image name %q: %w", name, err)
			}
		}
		items = append(items, it)
	}

	op, err := newOpDir(s.tmpDir)
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, op.release()) }()
	sys := s.systemContext(op.path)
	pc, err := acceptAnything()
	if err != nil {
		return err
	}
	defer pc.Destroy()

	if format == FormatOCIDir {
		return s.saveOCIDir(ctx, sys, pc, items, path, op.path)
	}
	out, commit, err := outputPath(path, op.path)
	if err != nil {
		return err
	}
	defer func() {
		if retErr != nil && out != path {
			os.Remove(out)
		}
	}()
	if format == FormatDockerArchive {
		err = s.saveDocker(ctx, sys, pc, items, out)
	} else {
		err = s.saveOCI(ctx, sys, pc, items, filepath.Join(op.path, "layout"), out)
	}
	if err != nil {
		return fmt.Errorf("saving to %s: %w", path, err)
	}
	return commit()
}

// outputPath picks where the archive is written and returns a commit
// function that puts it at path. Regular files (and new paths) get a
// temporary sibling that is renamed over path, so a failed save leaves
// nothing behind. Other paths (a pipe, /dev/stdout) are written directly.
// The docker-archive transport refuses paths containing ':', so such a
// target is first written in scratch and then copied.
func outputPath(path, scratch string) (out string, commit func() error, err error) {
	fi, err := os.Stat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", nil, err
	}
	if err == nil && !fi.Mode().IsRegular() {
		if !strings.Contains(path, ":") {
			return path, func() error { return nil }, nil
		}
		staged := filepath.Join(scratch, "archive.tar")
		return staged, func() error { return copyInto(staged, path, 0) }, nil
	}
	if strings.Contains(filepath.Dir(path), ":") {
		staged := filepath.Join(scratch, "archive.tar")
		return staged, func() error { return replaceWith(staged, path) }, nil
	}
	tmp, err := siblingTemp(path)
	if err != nil {
		return "", nil, err
	}
	// The docker-archive writer refuses a non-empty file but accepts this
	// empty one.
	return tmp, func() error { return os.Rename(tmp, path) }, nil
}

// siblingTemp creates an empty, world-readable temporary file next to path.
func siblingTemp(path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".berth-save-*.tmp")
	if err != nil {
		return "", err
	}
	err = f.Chmod(0o644)
	if err = errors.Join(err, f.Close()); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// replaceWith copies src to a temporary sibling of path and renames it
// over path.
func replaceWith(src, path string) error {
	tmp, err := siblingTemp(path)
	if err != nil {
		return err
	}
	if err := copyInto(src, tmp, os.O_TRUNC); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// copyInto copies file src to the existing dst, opened O_WRONLY|flags.
func copyInto(src, dst string, flags int) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|flags, 0)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}

// storeRef is a storage-transport reference to image id.
func (s *Service) storeRef(id string) (types.ImageReference, error) {
	return istorage.Transport.NewStoreReference(s.store, nil, id)
}

// saveDocker writes each image once, with all the tags asked for: the
// archive writer fails when the same image is copied into it twice
// ("unmarshaling config: unexpected end of JSON input"), so extra tags go
// through SystemContext.DockerArchiveAdditionalTags.
func (s *Service) saveDocker(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, items []saveItem, out string) (retErr error) {
	var order []string
	tags := map[string][]reference.NamedTagged{}
	for _, it := range items {
		if _, seen := tags[it.id]; !seen {
			order = append(order, it.id)
			tags[it.id] = nil
		}
		if tagged, ok := it.name.(reference.NamedTagged); ok && !slices.ContainsFunc(tags[it.id], func(x reference.NamedTagged) bool {
			return x.String() == tagged.String()
		}) {
			tags[it.id] = append(tags[it.id], tagged)
		}
	}
	w, err := dockerarchive.NewWriter(sys, out)
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, w.Close()) }()
	for _, id := range order {
		var first reference.NamedTagged
		isys := *sys
		if t := tags[id]; len(t) > 0 {
			first, isys.DockerArchiveAdditionalTags = t[0], t[1:]
		}
		dest, err := w.NewReference(first)
		if err != nil {
			return err
		}
		src, err := s.storeRef(id)
		if err != nil {
			return err
		}
		if _, err := copy.Image(ctx, pc, dest, src, &copy.Options{SourceCtx: sys, DestinationCtx: &isys}); err != nil {
			return fmt.Errorf("image %s: %w", shortID(id), err)
		}
	}
	return nil
}

// saveOCI builds an OCI layout in dir (the oci transport puts several
// images into one index) and tars it to out.
func (s *Service) saveOCI(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, items []saveItem, dir, out string) error {
	if err := s.saveLayout(ctx, sys, pc, items, dir); err != nil {
		return err
	}
	return tarDir(ctx, dir, out)
}

// saveLayout copies the images into the OCI layout dir.
func (s *Service) saveLayout(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, items []saveItem, dir string) error {
	for _, it := range items {
		name := ""
		if it.name != nil {
			name = it.name.String()
		}
		dest, err := layout.NewReference(dir, name)
		if err != nil {
			return err
		}
		src, err := s.storeRef(it.id)
		if err != nil {
			return err
		}
		if _, err := copy.Image(ctx, pc, dest, src, &copy.Options{SourceCtx: sys, DestinationCtx: sys}); err != nil {
			return fmt.Errorf("image %s: %w", shortID(it.id), err)
		}
	}
	return nil
}

// tarDir writes the regular files and directories under dir as a tar to
// out, in lexical order, with owner 0:0.
func tarDir(ctx context.Context, dir, out string) (retErr error) {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() { retErr = errors.Join(retErr, f.Close()) }()
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() && !info.IsDir() {
			return nil
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if info.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.IsDir() {
			return nil
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, src)
		return errors.Join(err, src.Close())
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// saveOCIDir builds the layout in scratch and renames it to dir, which
// must not exist yet, so a failed save leaves nothing behind. A dir on
// another file system is refused by the rename: then the layout is
// written in place.
func (s *Service) saveOCIDir(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, items []saveItem, dir, scratch string) error {
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("saving to %s: %w", dir, fs.ErrExist)
	}
	staged := filepath.Join(scratch, "layout")
	if err := s.saveLayout(ctx, sys, pc, items, staged); err != nil {
		return fmt.Errorf("saving to %s: %w", dir, err)
	}
	if err := os.Rename(staged, dir); err != nil {
		if err := s.saveLayout(ctx, sys, pc, items, dir); err != nil {
			os.RemoveAll(dir)
			return fmt.Errorf("saving to %s: %w", dir, err)
		}
	}
	return nil
}
