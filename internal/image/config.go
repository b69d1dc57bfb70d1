package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	cstorage "go.podman.io/storage"
)

// Config returns the image's configuration in OCI image-spec form. The
// image library converts Docker schema2 (and schema1) configs, so callers
// see one format: Config.Env, Cmd, Entrypoint, WorkingDir, User,
// StopSignal, Labels, ExposedPorts, Volumes.
//
// id must be an image ID (full or unique prefix); resolve names with Lookup.
func (s *Service) Config(ctx context.Context, id string) (*v1.Image, error) {
	img, err := s.store.Image(id)
	if err != nil {
		if errors.Is(err, cstorage.ErrImageUnknown) {
			return nil, fmt.Errorf("image %s: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("image %s: %w", id, err)
	}
	ref, err := s.storeRef(img.ID)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", id, err)
	}
	// No blob is staged when reading a config, so no temporary directory.
	src, err := ref.NewImage(ctx, s.systemContext(s.tmpDir))
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", id, err)
	}
	defer src.Close()
	cfg, err := src.OCIConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading config of image %s: %w", id, err)
	}
	return cfg, nil
}

// LookupWithConfig is Lookup plus Config for creating a container, in one
// pass over the store: it reads the stored config once and decodes it
// directly (OCI and Docker schema2 configs share the fields a container
// needs), and leaves Size at zero. An image whose config is stored some
// other way goes through Lookup and Config.
func (s *Service) LookupWithConfig(ctx context.Context, ref string) (Image, *v1.Image, error) {
	if err := ctx.Err(); err != nil {
		return Image{}, nil, err
	}
	img, _, err := s.resolve(ref)
	if err != nil {
		return Image{}, nil, err
	}
	if key := configKey(img); key != "" {
		if data, err := s.store.ImageBigData(img.ID, key); err == nil {
			var cfg v1.Image
			if json.Unmarshal(data, &cfg) == nil {
				out := identity(img)
				out.Labels = cfg.Config.Labels
				return out, &cfg, nil
			}
		}
	}
	out := s.describe(img, s.store.Layer)
	cfg, err := s.Config(ctx, img.ID)
	if err != nil {
		return Image{}, nil, err
	}
	return out, cfg, nil
}
