package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/storage/pkg/archive"
)

// ImportOptions configure Import.
type ImportOptions struct {
	Name    string   // optional; normalised like a tag (localhost/NAME:latest)
	Changes []string // Dockerfile-style instructions, see ApplyChanges
	Message string   // history comment (-m)
	// OS, Arch and Variant are recorded in the config; empty: this host's.
	OS, Arch, Variant string
}

// Import makes a one-layer image from a root file system tarball at path
// (uncompressed, gzip, bzip2, xz or zstd; e.g. the output of `export`) and
// returns its ID. The tarball is checked first: members that climb out of
// the root or device nodes make it fail (ErrBadArchive) before anything
// is stored.
func (s *Service) Import(ctx context.Context, path string, o ImportOptions) (string, error) {
	var names []string
	if o.Name != "" {
		n, err := NormalizeForTag(o.Name)
		if err != nil {
			return "", err
		}
		names = []string{n}
	}
	var cfg v1.Image
	cfg.OS, cfg.Architecture, cfg.Variant = o.OS, o.Arch, o.Variant
	if err := ApplyChanges(&cfg.Config, o.Changes); err != nil {
		return "", err
	}
	diffID, err := checkFile(ctx, path)
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	id, err := s.create(ctx, newImage{
		diff:    f,
		diffID:  diffID,
		cfg:     cfg,
		history: v1.History{CreatedBy: "/bin/sh -c #(nop) ADD file in / (berth import)", Comment: o.Message},
		names:   names,
	})
	if err != nil {
		return "", fmt.Errorf("importing %s: %w", path, err)
	}
	return id, nil
}

// checkFile runs checkLayerTar over the decompressed file and returns
// the digest of the decompressed stream (the layer's diff ID).
func checkFile(ctx context.Context, path string) (digest.Digest, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	rc, err := archive.DecompressStream(f)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadArchive, err)
	}
	defer rc.Close()
	d := digest.Canonical.Digester()
	r := io.TeeReader(rc, d.Hash())
	if err := checkLayerTar(ctx, r); err != nil {
		return "", err
	}
	// The bytes after the end-of-archive marker are part of the diff too.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadArchive, err)
	}
	return d.Digest(), nil
}

// CommitOptions configure Commit.
type CommitOptions struct {
	// Image is the ID of the container's image.
	Image string
	// Diff opens the container layer's changes: an uncompressed tar with
	// whiteouts, as storage's Diff writes it. The store holds its layer
	// lock while that reader is open, so Commit opens it only after
	// reading what it needs, spools it to a file and closes it before
	// writing to the store.
	Diff func() (io.ReadCloser, error)
	// Config is the run configuration of the new image before Changes:
	// the caller merges the container's settings into the image's.
	Config  v1.ImageConfig
	Changes []string
	Message string // -m: history comment
	Author  string
	Name    string // optional; normalised like a tag
}

// Commit makes a new image from a container's image plus the container's
// changes and returns its ID.
func (s *Service) Commit(ctx context.Context, o CommitOptions) (string, error) {
	if o.Diff == nil {
		return "", errors.New("commit: no layer diff")
	}
	var names []string
	if o.Name != "" {
		n, err := NormalizeForTag(o.Name)
		if err != nil {
			return "", err
		}
		names = []string{n}
	}
	base, err := s.store.Image(o.Image)
	if err != nil {
		return "", fmt.Errorf("image %s: %w", o.Image, ErrNotFound)
	}
	cfgp, err := s.Config(ctx, base.ID)
	if err != nil {
		return "", err
	}
	cfg := *cfgp
	cfg.Config = o.Config
	if err := ApplyChanges(&cfg.Config, o.Changes); err != nil {
		return "", err
	}
	cfg.Created = nil
	if o.Author != "" {
		cfg.Author = o.Author
	}
	// The store keeps its layer lock while a diff reader is open, and
	// PutLayer needs that lock: spool the diff to a file first.
	op, err := newOpDir(s.tmpDir)
	if err != nil {
		return "", err
	}
	defer op.release()
	spool, err := os.Create(filepath.Join(op.path, "diff.tar"))
	if err != nil {
		return "", err
	}
	defer spool.Close()
	diff, err := o.Diff()
	if err != nil {
		return "", err
	}
	dg := digest.Canonical.Digester()
	_, err = io.Copy(io.MultiWriter(spool, dg.Hash()), readerCtx{ctx, diff})
	if err = errors.Join(err, diff.Close()); err != nil {
		return "", fmt.Errorf("reading container changes: %w", err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	id, err := s.create(ctx, newImage{
		parentLayer: base.TopLayer,
		diff:        spool,
		diffID:      dg.Digest(),
		cfg:         cfg,
		history:     v1.History{CreatedBy: "berth commit", Comment: o.Message, Author: o.Author},
		names:       names,
	})
	if err != nil {
		return "", fmt.Errorf("committing: %w", err)
	}
	return id, nil
}
