package image

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	cstorage "go.podman.io/storage"
)

// Tag adds newName (normalised by NormalizeForTag) to the image ref
// resolves to. A name held by another image moves to this one.
func (s *Service) Tag(ctx context.Context, ref, newName string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name, err := NormalizeForTag(newName)
	if err != nil {
		return err
	}
	img, _, err := s.resolve(ref)
	if err != nil {
		return err
	}
	// The store keeps a name on one image only: AddNames takes it away
	// from any other image that had it.
	if err := s.store.AddNames(img.ID, []string{name}); err != nil {
		return fmt.Errorf("tagging image %s as %s: %w", img.ID, name, err)
	}
	return nil
}

// Untag removes name from the image ref resolves to. name is matched like a
// Lookup name, but only against that image's names.
func (s *Service) Untag(ctx context.Context, ref, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	img, _, err := s.resolve(ref)
	if err != nil {
		return err
	}
	i, stored, err := findImage([]cstorage.Image{*img}, name)
	if err != nil || i != 0 || stored == "" {
		return fmt.Errorf("image %s is not tagged %s: %w", shortID(img.ID), name, ErrNotFound)
	}
	if err := s.store.RemoveNames(img.ID, []string{stored}); err != nil {
		return fmt.Errorf("untagging %s: %w", stored, err)
	}
	return nil
}

// Remove removes ref with docker's semantics:
//   - by a name, when the image has other names: only that name is removed
//     (untagged = [name], deletedID = "");
//   - otherwise the image is deleted with all its names. By ID (or digest),
//     an image with several names needs force (ErrMultipleNames).
//
// An image used by a container is never deleted: the error wraps ErrInUse
// and names the containers; removing them first is the caller's decision.
func (s *Service) Remove(ctx context.Context, ref string, force bool) (untagged []string, deletedID string, err error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	img, name, err := s.resolve(ref)
	if err != nil {
		return nil, "", err
	}
	tags := tagCount(img)
	if name != "" && tags > 1 {
		if err := s.store.RemoveNames(img.ID, []string{name}); err != nil {
			return nil, "", fmt.Errorf("untagging %s: %w", name, err)
		}
		return []string{name}, "", nil
	}
	if name == "" && tags > 1 && !force {
		return nil, "", fmt.Errorf("unable to delete image %s (must force): %w", shortID(img.ID), ErrMultipleNames)
	}
	if users, err := s.containersUsing(img.ID); err != nil {
		return nil, "", err
	} else if len(users) > 0 {
		return nil, "", fmt.Errorf("image %s is used by container %s: %w", shortID(img.ID), strings.Join(users, ", "), ErrInUse)
	}
	if _, err := s.store.DeleteImage(img.ID, true); err != nil {
		switch {
		case errors.Is(err, cstorage.ErrImageUsedByContainer):
			return nil, "", fmt.Errorf("image %s: %w", shortID(img.ID), ErrInUse)
		case errors.Is(err, cstorage.ErrImageUnknown):
			return nil, "", fmt.Errorf("image %s: %w", shortID(img.ID), ErrNotFound)
		}
		return nil, "", fmt.Errorf("deleting image %s: %w", img.ID, err)
	}
	return slices.Clone(img.Names), img.ID, nil
}

// containersUsing returns the IDs of the store's containers created from
// image id.
func (s *Service) containersUsing(id string) ([]string, error) {
	cs, err := s.store.Containers()
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	var ids []string
	for _, c := range cs {
		if c.ImageID == id {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// tagCount counts the image's names that are tags, not name@digest pins.
func tagCount(img *cstorage.Image) int {
	n := 0
	for _, name := range img.Names {
		if !strings.Contains(name, "@") {
			n++
		}
	}
	return n
}

// shortID is the 12-character form used in messages.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
