package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// The default infra container runs the host's catatonit (`catatonit -P`:
// a pause process that reaps zombies) from a one-layer image berth builds
// on first use from the host binary, as podman builds its own pause image.
// No registry is involved, and the image is an ordinary local image: it
// shows in `images`, and `rmi` removes it (the next pod builds it again).
const (
	InfraImageName = "localhost/berth-infra:latest"
	catatonitPath  = "/usr/bin/catatonit"
)

// infraImage returns the image the pod's infra container runs, building
// the default one when needed.
func (r *Runtime) infraImage(ctx context.Context, ref string) (string, error) {
	if ref != "" {
		if _, _, err := r.resolveImage(ctx, ref, ""); err != nil {
			return "", fmt.Errorf("infra image: %w", err)
		}
		return ref, nil
	}
	if _, err := r.LookupImage(ctx, InfraImageName); err == nil {
		return InfraImageName, nil
	} else if !errors.Is(err, ErrNoSuchImage) {
		return "", err
	}
	// One builder at a time; the loser finds the image built.
	lk, err := r.locks.Lock(ctx, "infra-image")
	if err != nil {
		return "", err
	}
	defer lk.Unlock()
	if _, err := r.LookupImage(ctx, InfraImageName); err == nil {
		return InfraImageName, nil
	}
	dir, err := os.MkdirTemp(r.opts.RunRoot, "infra-build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	if err := writeInfraLayout(dir, catatonitPath); err != nil {
		return "", fmt.Errorf("building the infra image from %s (use --infra-image to choose another): %w", catatonitPath, err)
	}
	if _, err := r.LoadImage(ctx, dir); err != nil {
		return "", fmt.Errorf("loading the infra image: %w", err)
	}
	return InfraImageName, nil
}

// writeInfraLayout writes an OCI image layout at dir holding one image:
// the static binary at bin as /catatonit, the directories runc mounts
// over, and the entrypoint `/catatonit -P`.
func writeInfraLayout(dir, bin string) error {
	exe, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	mtime := time.Unix(0, 0)
	for _, d := range []string{"dev", "proc", "sys", "etc", "run", "tmp"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: mtime}); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "catatonit", Mode: 0o755, Size: int64(len(exe)), ModTime: mtime}); err != nil {
		return err
	}
	if _, err := tw.Write(exe); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return err
	}
	put := func(mediaType string, b []byte) (v1.Descriptor, error) {
		sum := sha256.Sum256(b)
		hexSum := hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(blobs, hexSum), b, 0o644); err != nil {
			return v1.Descriptor{}, err
		}
		return v1.Descriptor{MediaType: mediaType, Digest: digest.Digest("sha256:" + hexSum), Size: int64(len(b))}, nil
	}
	layerDesc, err := put(v1.MediaTypeImageLayer, layer.Bytes())
	if err != nil {
		return err
	}
	created := time.Now().UTC()
	cfg := v1.Image{
		Created:  &created,
		Platform: v1.Platform{Architecture: runtime.GOARCH, OS: "linux"},
		Config: v1.ImageConfig{
			Entrypoint: []string{"/catatonit", "-P"},
			StopSignal: "SIGKILL",
		},
		RootFS:  v1.RootFS{Type: "layers", DiffIDs: []digest.Digest{layerDesc.Digest}},
		History: []v1.History{{Created: &created, CreatedBy: "berth: " + bin + " -P (pod infra)"}},
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	cfgDesc, err := put(v1.MediaTypeImageConfig, cfgJSON)
	if err != nil {
		return err
	}
	man, err := json.Marshal(v1.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest,
		Config: cfgDesc, Layers: []v1.Descriptor{layerDesc},
	})
	if err != nil {
		return err
	}
	manDesc, err := put(v1.MediaTypeImageManifest, man)
	if err != nil {
		return err
	}
	manDesc.Annotations = map[string]string{v1.AnnotationRefName: InfraImageName}
	idx, err := json.Marshal(v1.Index{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex,
		Manifests: []v1.Descriptor{manDesc},
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, v1.ImageLayoutFile), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}
