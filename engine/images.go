package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/image"
)

// Image describes one image in the local store.
type Image = image.Image

// mapImageErr translates the image service's errors into engine classes.
func mapImageErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, image.ErrNotFound), errors.Is(err, image.ErrNoSuchList):
		return fmt.Errorf("%w: %w", ErrNoSuchImage, err)
	case errors.Is(err, image.ErrInUse):
		return fmt.Errorf("%w: %w", ErrImageInUse, err)
	case errors.Is(err, image.ErrAmbiguous):
		return fmt.Errorf("%w: %w", ErrAmbiguous, err)
	}
	return err
}

// Pull policies of create and run (--pull).
const (
	PullMissing = "missing"
	PullAlways  = "always"
	PullNever   = "never"
	PullNewer   = "newer"
)

// resolveImage finds the image a container is created from and its
// config, pulling it first as policy says ("" means missing), as podman
// does. A pull uses registries.conf, the default auth files and the
// signature policy; its report goes to Options.PullProgress.
func (r *Runtime) resolveImage(ctx context.Context, ref, policy string) (Image, ImageConfig, error) {
	if ref == "" {
		return Image{}, ImageConfig{}, fmt.Errorf("no image given: %w", ErrInvalidArg)
	}
	switch policy {
	case "", PullMissing, PullAlways, PullNever, PullNewer:
	default:
		return Image{}, ImageConfig{}, fmt.Errorf("invalid pull policy %q: use missing, always, never or newer: %w", policy, ErrInvalidArg)
	}
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return Image{}, ImageConfig{}, err
	}
	img, cfg, err := imgs.LookupWithConfig(ctx, ref)
	local := err == nil
	if err != nil && (!errors.Is(err, image.ErrNotFound) || policy == PullNever) {
		return Image{}, ImageConfig{}, fmt.Errorf("%s: %w", ref, mapImageErr(err))
	}
	if !local || policy == PullAlways || policy == PullNewer {
		pulled, perr := r.Pull(ctx, ref, PullOptions{Progress: r.opts.PullProgress})
		switch {
		case perr == nil && len(pulled) > 0:
			if img, cfg, err = imgs.LookupWithConfig(ctx, pulled[0].ID); err != nil {
				return Image{}, ImageConfig{}, fmt.Errorf("%s: %w", ref, mapImageErr(err))
			}
		case local && policy == PullNewer:
			// The local image stands when the registry cannot tell.
		case perr != nil:
			return Image{}, ImageConfig{}, perr
		}
	}
	return img, cfg.Config, nil
}

// imageDisplayName is the name a container shows for its image: the stored
// name the user's reference matched, or the first name, or the ID.
func imageDisplayName(img Image, ref string) string {
	for _, n := range img.Names {
		if n == ref || strings.HasSuffix(n, "/"+ref) || strings.HasSuffix(n, "/"+ref+":latest") {
			return n
		}
	}
	if len(img.Names) > 0 {
		return img.Names[0]
	}
	return img.ID
}

// Images lists the local images.
func (r *Runtime) Images(ctx context.Context) ([]Image, error) {
	return r.ListImages(ctx, ImageListOptions{Labels: true})
}

// ImageListOptions tune ListImages.
type ImageListOptions struct {
	// Labels fills Image.Labels, which costs a config read per image.
	Labels bool
}

// ListImages lists every local image.
func (r *Runtime) ListImages(ctx context.Context, o ImageListOptions) ([]Image, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return nil, err
	}
	list, err := imgs.ListRecords(ctx, o.Labels)
	return list, mapImageErr(err)
}

// LookupImage finds a local image by name, short name, ID or ID prefix.
func (r *Runtime) LookupImage(ctx context.Context, ref string) (Image, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return Image{}, err
	}
	img, err := imgs.Lookup(ctx, ref)
	if err != nil {
		return Image{}, fmt.Errorf("%s: %w", ref, mapImageErr(err))
	}
	return img, nil
}

// ImageConfig is an image's runtime configuration (ENV, CMD, ...).
type ImageConfig = spec.ImageConfig

// LoadImage loads the images of an oci-archive, docker-archive or OCI
// layout at path and returns their names.
func (r *Runtime) LoadImage(ctx context.Context, path string) ([]string, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return nil, err
	}
	names, err := imgs.Load(ctx, path)
	for _, n := range names {
		r.emitImage("loadfromarchive", "", n)
	}
	return names, mapImageErr(err)
}

// TagImage adds newName to the image ref names.
func (r *Runtime) TagImage(ctx context.Context, ref, newName string) error {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return err
	}
	if err := imgs.Tag(ctx, ref, newName); err != nil {
		return mapImageErr(err)
	}
	r.emitImage("tag", "", newName)
	return nil
}

// RemoveImageReport says what RemoveImage did.
type RemoveImageReport struct {
	Untagged []string
	Deleted  string
}

// RemoveImage removes a name, or the whole image when ref is its ID or its
// only name. With force, containers using the image are removed first.
func (r *Runtime) RemoveImage(ctx context.Context, ref string, force bool) (RemoveImageReport, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return RemoveImageReport{}, err
	}
	if force {
		if err := r.removeImageUsers(ctx, imgs, ref); err != nil {
			return RemoveImageReport{}, err
		}
	}
	untagged, deleted, err := imgs.Remove(ctx, ref, force)
	if err != nil {
		return RemoveImageReport{}, fmt.Errorf("%s: %w", ref, mapImageErr(err))
	}
	for _, n := range untagged {
		r.emitImage("untag", deleted, n)
	}
	if deleted != "" {
		r.emitImage("remove", deleted, ref)
	}
	return RemoveImageReport{Untagged: untagged, Deleted: deleted}, nil
}

// removeImageUsers force-removes the containers created from image ref,
// as `rmi -f` does in podman.
func (r *Runtime) removeImageUsers(ctx context.Context, imgs *image.Service, ref string) error {
	img, err := imgs.Lookup(ctx, ref)
	if err != nil {
		return fmt.Errorf("%s: %w", ref, mapImageErr(err))
	}
	ctrs, err := r.AllContainers(ctx)
	if err != nil {
		return err
	}
	for _, c := range ctrs {
		if c.config.ImageID != img.ID {
			continue
		}
		if err := c.Remove(ctx, RemoveOptions{Force: true}); err != nil && !errors.Is(err, ErrNoSuchCtr) {
			return err
		}
	}
	return nil
}
