package engine

import (
	"context"
	"path/filepath"

	"github.com/opencontainers/go-digest"

	"github.com/berthproject/berth/internal/image"
)

// ManifestAddOptions configure ManifestAdd.
type ManifestAddOptions = image.ManifestAddOptions

// manifestDir holds the local manifest lists (OCI layouts).
func (r *Runtime) manifestDir() string { return filepath.Join(r.opts.Root, "manifests") }

// ManifestCreate makes an empty manifest list and adds images to it.
func (r *Runtime) ManifestCreate(ctx context.Context, name string, images []string, o ManifestAddOptions) (string, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return "", err
	}
	n, err := imgs.ManifestCreate(ctx, r.manifestDir(), name)
	if err != nil {
		return "", mapImageErr(err)
	}
	o.RegistryOptions = r.withAuthFile(o.RegistryOptions)
	for _, img := range images {
		if _, err := imgs.ManifestAdd(ctx, r.manifestDir(), n, img, o); err != nil {
			return n, mapImageErr(err)
		}
	}
	return n, nil
}

// ManifestAdd adds an image to a list and returns the instance digest.
func (r *Runtime) ManifestAdd(ctx context.Context, list, ref string, o ManifestAddOptions) (digest.Digest, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return "", err
	}
	o.RegistryOptions = r.withAuthFile(o.RegistryOptions)
	d, err := imgs.ManifestAdd(ctx, r.manifestDir(), list, ref, o)
	return d, mapImageErr(err)
}

// ManifestInspect returns a local list's index, or a registry image's raw
// manifest, as indented JSON.
func (r *Runtime) ManifestInspect(ctx context.Context, name string, o RegistryOptions) ([]byte, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return nil, err
	}
	b, err := imgs.ManifestInspect(ctx, r.manifestDir(), name, r.withAuthFile(o))
	return b, mapImageErr(err)
}

// ManifestPush pushes a list with all its instances.
func (r *Runtime) ManifestPush(ctx context.Context, name, dest string, o PushOptions) (digest.Digest, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return "", err
	}
	o.RegistryOptions = r.withAuthFile(o.RegistryOptions)
	d, err := imgs.ManifestPush(ctx, r.manifestDir(), name, dest, o)
	return d, mapImageErr(err)
}

// ManifestRemove deletes a local list (not the images in it).
func (r *Runtime) ManifestRemove(ctx context.Context, name string) error {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return err
	}
	return mapImageErr(imgs.ManifestRemove(ctx, r.manifestDir(), name))
}
