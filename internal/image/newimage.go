package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	cstorage "go.podman.io/storage"
)

// ErrBadArchive: an archive berth refuses to unpack (path traversal,
// device files, not a tar).
var ErrBadArchive = errors.New("unsafe or invalid archive")

// newImage is an image built locally (import, commit): one new layer from
// diff on top of parentLayer ("" for none), with config cfg, whose
// RootFS and History get the new layer appended.
type newImage struct {
	parentLayer string
	diff        io.Reader
	// diffID is the digest of the uncompressed diff. It names the layer
	// the way the image library does (a chain ID), so a later pull of the
	// same image reuses the layer instead of failing on a second layer
	// under the same image ID.
	diffID  digest.Digest
	cfg     v1.Image
	history v1.History
	names   []string
}

// create writes the layer, then the image record with its config and an
// OCI manifest. A crash between the two leaves an unreferenced layer,
// which `system check` removes; no half-made image is ever named.
func (s *Service) create(ctx context.Context, n newImage) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	lid := chainID(n.parentLayer, n.diffID)
	layer, err := s.store.Layer(lid)
	created := false
	if err != nil {
		if layer, _, err = s.store.PutLayer(lid, n.parentLayer, nil, "", false, nil, readerCtx{ctx, n.diff}); err != nil {
			return "", fmt.Errorf("storing layer: %w", err)
		}
		created = true
	}
	if layer.UncompressedDigest != n.diffID {
		err = fmt.Errorf("%w: layer digest %s, expected %s", ErrBadArchive, layer.UncompressedDigest, n.diffID)
	} else {
		var img string
		img, err = s.createRecord(layer, n)
		if err == nil || img != "" {
			return img, err
		}
	}
	if created {
		if derr := s.store.DeleteLayer(layer.ID); derr != nil && !errors.Is(derr, cstorage.ErrLayerUnknown) {
			err = errors.Join(err, derr)
		}
	}
	return "", err
}

// chainID is the layer ID the image library gives a layer with this
// parent and diff ID.
func chainID(parent string, diffID digest.Digest) string {
	if parent == "" {
		return diffID.Encoded()
	}
	return digest.Canonical.FromString(parent + "+" + diffID.Encoded()).Encoded()
}

func (s *Service) createRecord(layer *cstorage.Layer, n newImage) (string, error) {
	cfg := n.cfg
	if cfg.Created == nil {
		now := time.Now().UTC()
		cfg.Created = &now
	}
	if cfg.OS == "" {
		cfg.OS = runtime.GOOS
	}
	if cfg.Architecture == "" {
		cfg.Architecture = runtime.GOARCH
	}
	cfg.RootFS.Type = "layers"
	cfg.RootFS.DiffIDs = append(append([]digest.Digest{}, cfg.RootFS.DiffIDs...), layer.UncompressedDigest)
	h := n.history
	h.Created = cfg.Created
	cfg.History = append(append([]v1.History{}, cfg.History...), h)
	cfgBlob, err := json.Marshal(cfg)
	if err != nil {
		return "", err
	}
	cfgDigest := digest.FromBytes(cfgBlob)

	// The manifest lists the layer chain by uncompressed digest; the
	// storage transport serves every layer uncompressed under that digest
	// and compresses on push.
	var layers []v1.Descriptor
	for id := layer.ID; id != ""; {
		l, err := s.store.Layer(id)
		if err != nil {
			return "", fmt.Errorf("reading layer %s: %w", id, err)
		}
		layers = append([]v1.Descriptor{{MediaType: v1.MediaTypeImageLayer, Digest: l.UncompressedDigest, Size: l.UncompressedSize}}, layers...)
		id = l.Parent
	}
	mf := v1.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: v1.MediaTypeImageManifest,
		Config:    v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: cfgDigest, Size: int64(len(cfgBlob))},
		Layers:    layers,
	}
	mfBlob, err := json.Marshal(mf)
	if err != nil {
		return "", err
	}
	mfDigest := digest.FromBytes(mfBlob)
	img, err := s.store.CreateImage(cfgDigest.Encoded(), nil, layer.ID, "", &cstorage.ImageOptions{
		CreationDate: *cfg.Created,
		Digest:       mfDigest,
		BigData: []cstorage.ImageBigDataOption{
			{Key: cfgDigest.String(), Data: cfgBlob, Digest: cfgDigest},
			{Key: "manifest-" + mfDigest.String(), Data: mfBlob, Digest: mfDigest},
			{Key: "manifest", Data: mfBlob, Digest: mfDigest},
		},
	})
	if err != nil {
		return "", fmt.Errorf("creating image: %w", err)
	}
	// AddNames moves a name another image holds, as tag and pull do.
	if len(n.names) > 0 {
		if err := s.store.AddNames(img.ID, n.names); err != nil {
			return img.ID, fmt.Errorf("naming image %s: %w", shortID(img.ID), err)
		}
	}
	return img.ID, nil
}

// checkLayerTar reads a layer tar (optionally compressed with gzip) and
// refuses members that escape the root ("../") or are device nodes: an
// imported file system must not smuggle those into a container.
func checkLayerTar(ctx context.Context, r io.Reader) error {
	tr := tar.NewReader(r)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return fmt.Errorf("%w: empty or not a tar archive", ErrBadArchive)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: reading tar: %w", ErrBadArchive, err)
		}
		n++
		if escapes(hdr.Name) || (hdr.Typeflag == tar.TypeLink && escapes(hdr.Linkname)) {
			return fmt.Errorf("%w: member %q leaves the root directory", ErrBadArchive, hdr.Name)
		}
		if hdr.Typeflag == tar.TypeChar || hdr.Typeflag == tar.TypeBlock {
			return fmt.Errorf("%w: member %q is a device node", ErrBadArchive, hdr.Name)
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return fmt.Errorf("%w: reading %s: %w", ErrBadArchive, hdr.Name, err)
		}
	}
}

// escapes reports whether a member name climbs above the root.
func escapes(name string) bool {
	depth := 0
	for _, part := range strings.Split(path.Clean("./"+name), "/") {
		switch part {
		case "..":
			depth--
		case ".", "":
		default:
			depth++
		}
		if depth < 0 {
			return true
		}
	}
	return false
}

// readerCtx stops a long copy when ctx is cancelled.
type readerCtx struct {
	ctx context.Context
	r   io.Reader
}

func (r readerCtx) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
