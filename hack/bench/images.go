package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// The `images` figure (issue 3: under 50 ms with 200 local images). The
// images come from one docker-archive made once per run: the test image's
// layer, and on top of it a small layer of each image's own.

const listImages = 200

func imagesFigureName() string { return fmt.Sprintf("images (%d images)", listImages+1) }

// measureAllImages makes the archive of listImages images and measures
// each engine with it.
func measureAllImages(ctx context.Context, engines []*engine, cfg config) []*figure {
	var figs []*figure
	archive, cleanup, err := manyImagesArchive(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
	}
	defer cleanup()
	for _, e := range engines {
		fmt.Fprintf(os.Stderr, "measuring %s images...\n", e.name)
		figs = mergeFigures(figs, measureImages(ctx, e, cfg, archive))
	}
	return figs
}

func manyImagesArchive(cfg config) (string, func(), error) {
	dir, err := os.MkdirTemp("", "berth-bench-images-")
	if err != nil {
		return "", func() {}, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	base, err := readArchive(cfg.archive)
	if err != nil {
		return "", cleanup, err
	}
	p, err := writeManyImages(dir, base)
	return p, cleanup, err
}

// measureImages loads the archive of listImages images into e's store (next
// to the test image) and times `images`.
func measureImages(ctx context.Context, e *engine, cfg config, archive string) []*figure {
	name := imagesFigureName()
	if archive == "" {
		return []*figure{newFigure(name, e.name, result{err: fmt.Errorf("no archive of %d images", listImages)})}
	}
	if err := e.load(ctx, cfg.archive, image); err != nil {
		return []*figure{newFigure(name, e.name, result{err: fmt.Errorf("load: %w", err)})}
	}
	if _, _, err := e.run(ctx, "load", "-i", archive); err != nil {
		return []*figure{newFigure(name, e.name, result{err: fmt.Errorf("load: %w", err)})}
	}
	// The load left tens of MB of metadata and layers to write back; the
	// listing should not be timed against that.
	if err := exec.CommandContext(ctx, "sync").Run(); err != nil {
		fmt.Fprintf(os.Stderr, "sync: %v\n", err)
	}
	return []*figure{newFigure(name, e.name, latency(ctx, cfg, func() (time.Duration, error) {
		d, _, err := e.run(ctx, "images")
		return d, err
	}))}
}

// writeManyImages writes, into dir, a docker-archive of listImages images
// made from base, and returns its path. Image i is base plus a small layer
// of its own (one file), as after many builds on one base image. (Images
// that share their top layer make podman 4.3.1's `images` take ~28 s with
// 200 of them: it compares every pair.)
func writeManyImages(dir string, base testImage) (string, error) {
	if len(base.layers) != 1 {
		return "", fmt.Errorf("want a one-layer base image, got %d layers", len(base.layers))
	}
	zr, err := gzip.NewReader(bytes.NewReader(base.layers[0].data))
	if err != nil {
		return "", fmt.Errorf("base layer: %w", err)
	}
	baseLayer, err := io.ReadAll(zr)
	if err != nil {
		return "", fmt.Errorf("base layer: %w", err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(base.config.data, &cfg); err != nil {
		return "", fmt.Errorf("base config: %w", err)
	}
	rootfs, _ := cfg["rootfs"].(map[string]any)
	if rootfs == nil {
		return "", errors.New("base config has no rootfs")
	}
	baseDiffIDs, _ := rootfs["diff_ids"].([]any)
	baseHistory, _ := cfg["history"].([]any)

	p := filepath.Join(dir, "images.docker.tar")
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: benchEpoch}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	baseName, _ := layerName(baseLayer)
	if err := add(baseName, baseLayer); err != nil {
		return "", err
	}
	type entry struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	var entries []entry
	for i := range listImages {
		layer, err := oneFileLayer(fmt.Sprintf("bench/image%03d", i), []byte(fmt.Sprintln(i)))
		if err != nil {
			return "", err
		}
		name, diffID := layerName(layer)
		if err := add(name, layer); err != nil {
			return "", err
		}
		rootfs["diff_ids"] = append(append([]any(nil), baseDiffIDs...), diffID)
		cfg["history"] = append(append([]any(nil), baseHistory...), map[string]any{
			"created": benchEpoch.Format(time.RFC3339), "created_by": fmt.Sprintf("bench: image %d", i),
		})
		data, err := json.Marshal(cfg)
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(data)
		cfgName := hex.EncodeToString(sum[:]) + ".json"
		if err := add(cfgName, data); err != nil {
			return "", err
		}
		entries = append(entries, entry{
			Config:   cfgName,
			RepoTags: []string{fmt.Sprintf("localhost/bench/img%03d:latest", i)},
			Layers:   []string{baseName, name},
		})
	}
	mf, err := json.Marshal(entries)
	if err != nil {
		return "", err
	}
	if err := add("manifest.json", mf); err != nil {
		return "", err
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	return p, f.Close()
}

// layerName is an uncompressed layer's file name in a docker-archive and
// its diff ID.
func layerName(layer []byte) (name, diffID string) {
	sum := sha256.Sum256(layer)
	h := hex.EncodeToString(sum[:])
	return h + ".tar", "sha256:" + h
}

// oneFileLayer is a layer tar holding one regular file (and its parent
// directory).
func oneFileLayer(name string, data []byte) ([]byte, error) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: filepath.Dir(name) + "/", Mode: 0o755, ModTime: benchEpoch}); err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: benchEpoch}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
