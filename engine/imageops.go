package engine

import (
	"context"
	"fmt"

	"github.com/berthproject/berth/internal/image"
)

// Image formats of SaveImages.
const (
	SaveDockerArchive = image.FormatDockerArchive
	SaveOCIArchive    = image.FormatOCIArchive
	SaveOCIDir        = image.FormatOCIDir
)

// HistoryEntry is one step of an image's history.
type HistoryEntry = image.HistoryEntry

// TreeLayer is one layer of an image in ImageTree.
type TreeLayer = image.TreeLayer

// SaveImages writes the images refs into one archive (or OCI layout
// directory) at path.
func (r *Runtime) SaveImages(ctx context.Context, refs []string, format, path string) error {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return err
	}
	return mapImageErr(imgs.Save(ctx, refs, format, path))
}

// UntagImage removes names from the image ref; with no names, all of
// them. It returns the names removed.
func (r *Runtime) UntagImage(ctx context.Context, ref string, names []string) ([]string, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		got, err := imgs.UntagAll(ctx, ref)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ref, mapImageErr(err))
		}
		return got, nil
	}
	var done []string
	for _, n := range names {
		if err := imgs.Untag(ctx, ref, n); err != nil {
			return done, mapImageErr(err)
		}
		done = append(done, n)
	}
	return done, nil
}

// ImageHistory returns the history of the image ref, newest first.
func (r *Runtime) ImageHistory(ctx context.Context, ref string) ([]HistoryEntry, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return nil, err
	}
	h, err := imgs.History(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, mapImageErr(err))
	}
	return h, nil
}

// ImageTree returns the image ref and its layers, base first.
func (r *Runtime) ImageTree(ctx context.Context, ref string) (Image, []TreeLayer, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return Image{}, nil, err
	}
	img, layers, err := imgs.Tree(ctx, ref)
	if err != nil {
		return Image{}, nil, fmt.Errorf("%s: %w", ref, mapImageErr(err))
	}
	return img, layers, nil
}

// PruneImages deletes unused images: dangling ones, or with all every
// image no container uses. It returns the deleted IDs.
func (r *Runtime) PruneImages(ctx context.Context, all bool) ([]string, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := imgs.Prune(ctx, all)
	return ids, mapImageErr(err)
}
