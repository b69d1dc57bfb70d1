package image

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	cstorage "go.podman.io/storage"
)

// HistoryEntry is one step of an image's history, newest first.
type HistoryEntry struct {
	ID         string // the image ID for the newest step, "" (<missing>) otherwise
	Created    time.Time
	CreatedBy  string
	Size       int64 // of the layer the step made; 0 for empty steps
	Comment    string
	EmptyLayer bool
}

// History returns the image's history from its config, with each
// layer-making step sized by its layer in the store.
func (s *Service) History(ctx context.Context, ref string) ([]HistoryEntry, error) {
	img, _, err := s.resolve(ref)
	if err != nil {
		return nil, err
	}
	cfg, err := s.Config(ctx, img.ID)
	if err != nil {
		return nil, err
	}
	sizes, err := s.layerSizes(img)
	if err != nil {
		return nil, err
	}
	var out []HistoryEntry
	li := 0
	for _, h := range cfg.History {
		e := HistoryEntry{CreatedBy: h.CreatedBy, Comment: h.Comment, EmptyLayer: h.EmptyLayer}
		if h.Created != nil {
			e.Created = *h.Created
		}
		if !h.EmptyLayer && li < len(sizes) {
			e.Size = sizes[li]
			li++
		}
		out = append(out, e)
	}
	if len(out) == 0 { // images without history still have layers
		for _, sz := range sizes {
			out = append(out, HistoryEntry{Created: img.Created, Size: sz})
		}
	}
	slices.Reverse(out)
	if len(out) > 0 {
		out[0].ID = img.ID
	}
	return out, nil
}

// layerSizes returns the uncompressed sizes of img's layers, base first.
func (s *Service) layerSizes(img *cstorage.Image) ([]int64, error) {
	layers, err := s.layerChain(img)
	if err != nil {
		return nil, err
	}
	sizes := make([]int64, len(layers))
	for i, l := range layers {
		sizes[i] = max(l.UncompressedSize, 0)
	}
	return sizes, nil
}

// layerChain returns img's layers, base first.
func (s *Service) layerChain(img *cstorage.Image) ([]*cstorage.Layer, error) {
	var chain []*cstorage.Layer
	for id := img.TopLayer; id != "" && len(chain) < 10000; {
		l, err := s.store.Layer(id)
		if err != nil {
			return nil, fmt.Errorf("reading layer %s of image %s: %w", id, shortID(img.ID), err)
		}
		chain = append(chain, l)
		id = l.Parent
	}
	slices.Reverse(chain)
	return chain, nil
}

// TreeLayer is one layer in Tree's view.
type TreeLayer struct {
	ID   string
	Size int64
	// TopOf names the images (by their names, or ID) whose top layer
	// this is.
	TopOf []string
}

// Tree returns the layers of the image ref, base first, each with the
// images that end at it (so shared bases show who builds on them).
func (s *Service) Tree(ctx context.Context, ref string) (Image, []TreeLayer, error) {
	img, _, err := s.resolve(ref)
	if err != nil {
		return Image{}, nil, err
	}
	chain, err := s.layerChain(img)
	if err != nil {
		return Image{}, nil, err
	}
	all, err := s.store.Images()
	if err != nil {
		return Image{}, nil, err
	}
	tops := map[string][]string{}
	for _, i := range all {
		names := slices.DeleteFunc(slices.Clone(i.Names), func(n string) bool { return strings.Contains(n, "@") })
		if len(names) == 0 {
			names = []string{shortID(i.ID)}
		}
		tops[i.TopLayer] = append(tops[i.TopLayer], names...)
	}
	out := make([]TreeLayer, 0, len(chain))
	for _, l := range chain {
		out = append(out, TreeLayer{ID: l.ID, Size: max(l.UncompressedSize, 0), TopOf: tops[l.ID]})
	}
	return s.describe(img, s.store.Layer), out, nil
}

// Prune deletes the images no container uses: only dangling (unnamed)
// ones, or with all every unused one. It returns the deleted IDs.
func (s *Service) Prune(ctx context.Context, all bool) ([]string, error) {
	imgs, err := s.store.Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	cs, err := s.store.Containers()
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	used := map[string]bool{}
	for _, c := range cs {
		used[c.ImageID] = true
	}
	var deleted []string
	for _, img := range imgs {
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		if used[img.ID] || (!all && tagCount(&img) > 0) {
			continue
		}
		if _, err := s.store.DeleteImage(img.ID, true); err != nil {
			return deleted, fmt.Errorf("deleting image %s: %w", shortID(img.ID), err)
		}
		deleted = append(deleted, img.ID)
	}
	return deleted, nil
}

// UntagAll removes every name of the image ref and returns them.
func (s *Service) UntagAll(ctx context.Context, ref string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	img, _, err := s.resolve(ref)
	if err != nil {
		return nil, err
	}
	if len(img.Names) == 0 {
		return nil, nil
	}
	if err := s.store.RemoveNames(img.ID, img.Names); err != nil {
		return nil, fmt.Errorf("untagging %s: %w", shortID(img.ID), err)
	}
	return slices.Clone(img.Names), nil
}
