package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/types"
	"golang.org/x/sys/unix"
)

// Manifest lists (multi-arch images) are kept outside the image store, one
// OCI image layout per list under the directory the caller gives
// (<root>/manifests): the layout's index.json has one entry, "list", an
// OCI image index whose instances (and all their blobs) are in the same
// layout. `manifest push` copies that layout with every instance.

// ErrNoSuchList: no local manifest list has that name.
var ErrNoSuchList = errors.New("no such manifest list")

const (
	listRef      = "list"
	instanceTemp = "berth-adding"
)

// ManifestAddOptions configure ManifestAdd.
type ManifestAddOptions struct {
	RegistryOptions
	// OS, Arch, Variant override the platform recorded for the instance
	// (default: from the image's config).
	OS, Arch, Variant string
}

// listDir is where the list named name lives, and its normalised name.
func listDir(dir, name string) (string, string, error) {
	n, err := NormalizeForTag(name)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256([]byte(n))
	return filepath.Join(dir, hex.EncodeToString(sum[:16])), n, nil
}

// lockList takes the list's flock (created next to it).
func lockList(p string) (func(), error) {
	f, err := os.OpenFile(p+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// ManifestCreate makes an empty list name in dir.
func (s *Service) ManifestCreate(ctx context.Context, dir, name string) (string, error) {
	p, n, err := listDir(dir, name)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	unlock, err := lockList(p)
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(p); err == nil {
		return "", fmt.Errorf("manifest list %s: %w", n, fs.ErrExist)
	}
	// Build in a sibling and rename: a crash leaves no half list.
	tmp, err := os.MkdirTemp(dir, ".new-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, v1.ImageLayoutFile), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(tmp, "blobs", "sha256"), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, "name"), []byte(n), 0o644); err != nil {
		return "", err
	}
	if _, err := writeList(tmp, v1.Index{}); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, p); err != nil {
		return "", err
	}
	return n, nil
}

// writeList stores idx as a blob and points index.json's only entry at it.
func writeList(p string, idx v1.Index) (digest.Digest, error) {
	idx.SchemaVersion, idx.MediaType = 2, v1.MediaTypeImageIndex
	if idx.Manifests == nil {
		idx.Manifests = []v1.Descriptor{}
	}
	blob, err := json.Marshal(idx)
	if err != nil {
		return "", err
	}
	d := digest.FromBytes(blob)
	if err := writeAtomic(filepath.Join(p, "blobs", "sha256", d.Encoded()), blob); err != nil {
		return "", err
	}
	top := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex,
		Manifests: []v1.Descriptor{{MediaType: v1.MediaTypeImageIndex, Digest: d, Size: int64(len(blob)),
			Annotations: map[string]string{v1.AnnotationRefName: listRef}}}}
	tb, err := json.Marshal(top)
	if err != nil {
		return "", err
	}
	return d, writeAtomic(filepath.Join(p, v1.ImageIndexFile), tb)
}

func writeAtomic(p string, data []byte) error {
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// readList returns the list's image index.
func readList(p string) (v1.Index, []byte, error) {
	var top v1.Index
	data, err := os.ReadFile(filepath.Join(p, v1.ImageIndexFile))
	if err != nil {
		return v1.Index{}, nil, err
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return v1.Index{}, nil, err
	}
	for _, m := range top.Manifests {
		if m.Annotations[v1.AnnotationRefName] == listRef {
			blob, err := os.ReadFile(filepath.Join(p, "blobs", m.Digest.Algorithm().String(), m.Digest.Encoded()))
			if err != nil {
				return v1.Index{}, nil, err
			}
			var idx v1.Index
			if err := json.Unmarshal(blob, &idx); err != nil {
				return v1.Index{}, nil, err
			}
			return idx, blob, nil
		}
	}
	return v1.Index{}, nil, errors.New("manifest list layout has no list entry")
}

// openList checks that the list exists.
func openList(dir, name string) (string, string, error) {
	p, n, err := listDir(dir, name)
	if err != nil {
		return "", "", err
	}
	if _, err := os.Stat(filepath.Join(p, v1.ImageIndexFile)); err != nil {
		return "", "", fmt.Errorf("%s: %w", n, ErrNoSuchList)
	}
	return p, n, nil
}

// ManifestAdd copies the image ref (a local image, or any transport's
// reference, docker:// for a registry) into the list and adds it as an
// instance; an instance with the same digest is replaced. It returns the
// instance's digest.
func (s *Service) ManifestAdd(ctx context.Context, dir, name, ref string, o ManifestAddOptions) (_ digest.Digest, retErr error) {
	p, _, err := openList(dir, name)
	if err != nil {
		return "", err
	}
	unlock, err := lockList(p)
	if err != nil {
		return "", err
	}
	defer unlock()
	src, named, err := s.sourceRef(ref)
	if err != nil {
		return "", err
	}
	cs, err := s.newCopySession(o.RegistryOptions)
	if err != nil {
		return "", err
	}
	defer func() { retErr = errors.Join(retErr, cs.close()) }()
	sys, pc := cs.sys, cs.pc
	dest, err := layout.NewReference(p, instanceTemp)
	if err != nil {
		return "", err
	}
	mf, err := copy.Image(ctx, pc, dest, src, &copy.Options{
		SourceCtx: withCreds(sys, o.RegistryOptions, named), DestinationCtx: sys,
		ForceManifestMIMEType: v1.MediaTypeImageManifest,
	})
	if err != nil {
		return "", policyErr(fmt.Errorf("adding %s: %w", ref, err))
	}
	d := digest.FromBytes(mf)
	var m v1.Manifest
	if err := json.Unmarshal(mf, &m); err != nil {
		return "", err
	}
	cfgBlob, err := os.ReadFile(filepath.Join(p, "blobs", m.Config.Digest.Algorithm().String(), m.Config.Digest.Encoded()))
	if err != nil {
		return "", err
	}
	var cfg v1.Image
	if err := json.Unmarshal(cfgBlob, &cfg); err != nil {
		return "", err
	}
	plat := &v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
	if o.OS != "" {
		plat.OS = o.OS
	}
	if o.Arch != "" {
		plat.Architecture = o.Arch
	}
	if o.Variant != "" {
		plat.Variant = o.Variant
	}
	idx, _, err := readList(p)
	if err != nil {
		return "", err
	}
	idx.Manifests = slices.DeleteFunc(idx.Manifests, func(x v1.Descriptor) bool { return x.Digest == d })
	idx.Manifests = append(idx.Manifests, v1.Descriptor{MediaType: v1.MediaTypeImageManifest, Digest: d, Size: int64(len(mf)), Platform: plat})
	// Rewriting index.json also drops the temporary instance entry.
	if _, err := writeList(p, idx); err != nil {
		return "", err
	}
	return d, nil
}

// sourceRef turns ref into a copy source: a transport reference, else a
// local image, else a registry reference.
func (s *Service) sourceRef(ref string) (types.ImageReference, reference.Named, error) {
	if src, ok, err := otherTransport(ref); err != nil || ok {
		return src, nil, err
	}
	if img, name, err := s.resolve(ref); err == nil {
		var named reference.Named
		if name != "" {
			named, _ = reference.ParseNormalizedNamed(name)
		}
		r, err := istorageRef(s, named, img.ID)
		return r, nil, err
	} else if !errors.Is(err, ErrNotFound) {
		return nil, nil, err
	}
	r, named, err := destination(ref)
	return r, named, err
}

// ManifestInspect returns the list's index as indented JSON; for a name
// that is no local list, the raw manifest (list) of that registry image.
func (s *Service) ManifestInspect(ctx context.Context, dir, name string, o RegistryOptions) ([]byte, error) {
	if p, _, err := openList(dir, name); err == nil {
		_, blob, err := readList(p)
		if err != nil {
			return nil, err
		}
		return indent(blob)
	}
	ref, named, err := destination(name)
	if err != nil {
		return nil, err
	}
	sys, err := s.registryContext(s.tmpDir, o)
	if err != nil {
		return nil, err
	}
	src, err := ref.NewImageSource(ctx, withCreds(sys, o, named))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer src.Close()
	raw, _, err := src.GetManifest(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return indent(raw)
}

func indent(b []byte) ([]byte, error) {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "    "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// ManifestPush copies the list with all its instances to dest and returns
// the digest of the list written.
func (s *Service) ManifestPush(ctx context.Context, dir, name, dest string, o PushOptions) (_ digest.Digest, retErr error) {
	p, n, err := openList(dir, name)
	if err != nil {
		return "", err
	}
	if dest == "" {
		dest = n
	}
	destRef, named, err := destination(dest)
	if err != nil {
		return "", err
	}
	src, err := layout.NewReference(p, listRef)
	if err != nil {
		return "", err
	}
	cs, err := s.newCopySession(o.RegistryOptions)
	if err != nil {
		return "", err
	}
	defer func() { retErr = errors.Join(retErr, cs.close()) }()
	op, sys, pc := cs.op, cs.sys, cs.pc
	mf, err := copy.Image(ctx, pc, destRef, src, &copy.Options{
		SourceCtx: s.systemContext(op.path), DestinationCtx: withCreds(sys, o.RegistryOptions, named),
		ReportWriter: o.Progress, ImageListSelection: copy.CopyAllImages, RemoveSignatures: o.RemoveSignatures,
	})
	if err != nil {
		return "", policyErr(fmt.Errorf("pushing manifest list %s to %s: %w", n, dest, err))
	}
	return manifest.Digest(mf)
}

// ManifestRemove deletes the local list.
func (s *Service) ManifestRemove(ctx context.Context, dir, name string) error {
	p, _, err := openList(dir, name)
	if err != nil {
		return err
	}
	unlock, err := lockList(p)
	if err != nil {
		return err
	}
	defer unlock()
	if err := os.RemoveAll(p); err != nil {
		return err
	}
	return os.Remove(p + ".lock")
}
