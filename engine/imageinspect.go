package engine

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// ImageInspectData is what `inspect` shows for an image, in podman's
// shape.
type ImageInspectData struct {
	ID           string            `json:"Id"`
	Digest       string            `json:"Digest"`
	RepoTags     []string          `json:"RepoTags"`
	Created      time.Time         `json:"Created"`
	Config       ImageConfig       `json:"Config"`
	Architecture string            `json:"Architecture"`
	Os           string            `json:"Os"`
	Size         int64             `json:"Size"`
	Labels       map[string]string `json:"Labels"`
	RootFS       v1.RootFS         `json:"RootFS"`
	History      []v1.History      `json:"History"`
}

// InspectImage returns the inspect data of a local image.
func (r *Runtime) InspectImage(ctx context.Context, ref string) (*ImageInspectData, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return nil, err
	}
	img, err := imgs.Lookup(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, mapImageErr(err))
	}
	cfg, err := imgs.Config(ctx, img.ID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, mapImageErr(err))
	}
	d := &ImageInspectData{
		ID: img.ID, Digest: img.Digest, RepoTags: img.Names, Created: img.Created,
		Config: cfg.Config, Architecture: cfg.Architecture, Os: cfg.OS, Size: img.Size,
		Labels: cfg.Config.Labels, RootFS: cfg.RootFS, History: cfg.History,
	}
	if d.RepoTags == nil {
		d.RepoTags = []string{}
	}
	return d, nil
}

// Id lets docker-style templates ({{.Id}}) work beside podman's {{.ID}}.
func (d *ImageInspectData) Id() string { return d.ID } //nolint:revive // docker's spelling, on purpose
