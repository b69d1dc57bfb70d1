package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DiskUsage is what `system df` reports.
type DiskUsage struct {
	Images     []ImageUsage
	Containers []ContainerUsage
	Volumes    []VolumeUsage
}

// ImageUsage is one image's share of the disk.
type ImageUsage struct {
	ID         string
	Names      []string
	Size       int64
	Containers int // containers created from it
}

// ContainerUsage is one container's writable layer.
type ContainerUsage struct {
	ID, Name, Image string
	Status          Status
	Size            int64 // writable layer
}

// VolumeUsage is one volume's data.
type VolumeUsage struct {
	Name  string
	Size  int64
	Links int // containers using it
}

// DiskUsage measures images, container layers and volumes.
func (r *Runtime) DiskUsage(ctx context.Context) (*DiskUsage, error) {
	du := &DiskUsage{}
	ctrs, err := r.ListContainers(ctx, ListOptions{All: true, Size: true})
	if err != nil {
		return nil, err
	}
	users := map[string]int{}
	for _, c := range ctrs {
		users[c.ImageID]++
		du.Containers = append(du.Containers, ContainerUsage{ID: c.ID, Name: c.Name, Image: c.Image, Status: c.Status, Size: c.SizeRw})
	}
	imgs, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	for _, img := range imgs {
		du.Images = append(du.Images, ImageUsage{ID: img.ID, Names: img.Names, Size: img.Size, Containers: users[img.ID]})
	}
	vols, err := r.ListVolumes(ctx, nil)
	if err != nil {
		return nil, err
	}
	for _, v := range vols {
		du.Volumes = append(du.Volumes, VolumeUsage{Name: v.Name, Size: dirSize(v.Mountpoint), Links: v.InUse})
	}
	return du, nil
}

// dirSize adds up the sizes of the regular files under dir (not following
// symlinks; errors on single entries are skipped: this is a report).
func dirSize(dir string) int64 {
	var total int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}

// Reset removes every container, volume, network and image and the engine's data
// directories: berth as on first use. The state database is emptied by
// removing the objects, then the image store is deleted from disk.
func (r *Runtime) Reset(ctx context.Context) error {
	var errs []error
	ctrs, err := r.AllContainers(ctx)
	if err != nil {
		return err
	}
	for _, c := range ctrs {
		if err := c.Remove(ctx, RemoveOptions{Force: true, Volumes: true}); err != nil && !errors.Is(err, ErrNoSuchCtr) {
			errs = append(errs, err)
		}
	}
	vols, err := r.Volumes(ctx)
	if err != nil {
		return err
	}
	for _, v := range vols {
		if err := r.RemoveVolume(ctx, v.Name(), true); err != nil && !errors.Is(err, ErrNoSuchVolume) {
			errs = append(errs, err)
		}
	}
	// Networks too, the default one included: its bridge and firewall
	// rules stay on the host between containers (internal/network/keeper.go).
	nets, err := r.Networks(ctx)
	if err != nil {
		return err
	}
	for _, n := range nets {
		if err := r.RemoveNetwork(ctx, n.ID, NetworkRemoveOptions{Force: true}); err != nil && !errors.Is(err, ErrNoSuchNetwork) {
			errs = append(errs, err)
		}
	}
	imgs, err := r.Images(ctx)
	if err != nil {
		return err
	}
	for _, img := range imgs {
		if _, err := r.RemoveImage(ctx, img.ID, true); err != nil && !errors.Is(err, ErrNoSuchImage) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reset incomplete (run it again to finish): %w", err)
	}
	// The store holds nothing now; close it and delete its directories so
	// nothing stale (layers of an interrupted pull) survives.
	if r.store != nil {
		r.store.Close()
		r.store = nil
	}
	for _, d := range []string{filepath.Join(r.opts.Root, "storage"), filepath.Join(r.opts.Root, "tmp"),
		filepath.Join(r.opts.Root, "cache"), filepath.Join(r.opts.RunRoot, "storage")} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("removing %s: %w", d, err)
		}
	}
	return nil
}

// SystemPruneReport says what SystemPrune removed.
type SystemPruneReport struct {
	Containers PruneReport
	Images     []string
	Volumes    []string
}

// SystemPrune removes stopped containers, then unused images (dangling
// only, unless all), then, with volumes, unused volumes: in that order,
// because each step frees what the next may remove.
func (r *Runtime) SystemPrune(ctx context.Context, all, volumes bool, filters []string) (SystemPruneReport, error) {
	var rep SystemPruneReport
	var err error
	if rep.Containers, err = r.PruneContainers(ctx, filters); err != nil {
		return rep, err
	}
	if rep.Images, err = r.PruneImages(ctx, all); err != nil {
		return rep, err
	}
	if volumes {
		if rep.Volumes, err = r.PruneVolumes(ctx, nil); err != nil {
			return rep, err
		}
	}
	return rep, nil
}
