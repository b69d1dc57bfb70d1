package image

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/signature"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
)

// containerdNameAnnotation is set by containerd/buildkit (and docker 25+
// save) on index.json entries; it carries the full image name while
// org.opencontainers.image.ref.name carries only the tag there.
const containerdNameAnnotation = "io.containerd.image.name"

// Load imports every image in path into the store and returns their names,
// or the image ID for an image that has none. path is a docker-archive or
// oci-archive tar (optionally gzip-compressed; the format is detected from
// the content: manifest.json means docker-archive, oci-layout means
// oci-archive) or an OCI layout directory.
//
// Names in OCI layouts come from the index entry's annotations:
// io.containerd.image.name if present, else
// org.opencontainers.image.ref.name when it is a reference (contains '/',
// ':' or '@'; normalised like a pull, so "busybox:1" becomes
// docker.io/library/busybox:1). A ref.name that is only a tag ("latest",
// the image-layout convention) says nothing about the repository, so such
// an image is loaded unnamed and reported by ID, instead of being named
// docker.io/library/latest:latest as a plain reference parse would do.
//
// Local archives are trusted: the copy uses an accept-anything signature
// policy. A truncated or corrupt archive fails before any image record is
// written; for a multi-layer image, layers committed before the failure
// remain until `system check` prunes them (the store never names them).
// When a later image of a multi-image archive fails, the names loaded so
// far are returned along with the error.
func (s *Service) Load(ctx context.Context, p string) (loaded []string, retErr error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("loading images: %w", err)
	}
	op, err := newOpDir(s.tmpDir)
	if err != nil {
		return nil, err
	}
	defer func() { retErr = errors.Join(retErr, op.release()) }()
	sys := s.systemContext(op.path)
	pc, err := acceptAnything()
	if err != nil {
		return nil, err
	}
	defer pc.Destroy()

	names, err := s.load(ctx, sys, pc, p, fi.IsDir(), op.path)
	if err != nil {
		return names, fmt.Errorf("loading %s: %w", p, err)
	}
	return names, nil
}

func (s *Service) load(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, p string, isDir bool, scratch string) ([]string, error) {
	if isDir {
		p, err := colonFree(p, scratch)
		if err != nil {
			return nil, err
		}
		return s.loadLayout(ctx, sys, pc, p)
	}
	kind, err := detectArchive(p)
	if err != nil {
		return nil, err
	}
	if kind == kindDocker {
		p, err := colonFree(p, scratch)
		if err != nil {
			return nil, err
		}
		return s.loadDockerArchive(ctx, sys, pc, p)
	}
	dir := filepath.Join(scratch, "layout")
	if err := extractLayout(ctx, p, dir); err != nil {
		return nil, err
	}
	return s.loadLayout(ctx, sys, pc, dir)
}

// colonFree returns p, or a symlink to it in scratch when p contains a
// ':', which the docker-archive and oci transports refuse in paths.
func colonFree(p, scratch string) (string, error) {
	if !strings.Contains(p, ":") {
		return p, nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	link := filepath.Join(scratch, "input")
	if err := os.Symlink(abs, link); err != nil {
		return "", err
	}
	return link, nil
}

// acceptAnything is the signature policy for local archives.
func acceptAnything() (*signature.PolicyContext, error) {
	pc, err := signature.NewPolicyContext(&signature.Policy{
		Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()},
	})
	if err != nil {
		return nil, fmt.Errorf("creating signature policy: %w", err)
	}
	return pc, nil
}

type archiveKind int

const (
	kindOCI archiveKind = iota
	kindDocker
)

// openArchive opens a tar that may be gzip-compressed.
func openArchive(p string) (*tar.Reader, io.Closer, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReader(f)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		return tar.NewReader(zr), f, nil
	}
	// Uncompressed: hand the file itself to tar so that it can seek over
	// file contents while scanning headers.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	return tar.NewReader(f), f, nil
}

// detectArchive reads all headers of the archive (which also catches a
// truncated file early). docker save (25+) writes both manifest.json and an
// OCI layout; the docker form is preferred because RepoTags carry full names.
func detectArchive(p string) (archiveKind, error) {
	tr, c, err := openArchive(p)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var docker, oci bool
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("reading archive: %w", err)
		}
		switch cleanName(hdr.Name) {
		case "manifest.json":
			docker = true
		case v1.ImageLayoutFile:
			oci = true
		}
	}
	switch {
	case docker:
		return kindDocker, nil
	case oci:
		return kindOCI, nil
	}
	return 0, errors.New("not an image archive: neither manifest.json (docker-archive) nor oci-layout (oci-archive) found")
}

// cleanName makes an archive member name relative and free of "..".
func cleanName(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// extractLayout unpacks an oci-archive into dir. Only directories and
// regular files are created, through an os.Root so that no member name can
// reach outside dir; an OCI layout has nothing else.
func extractLayout(ctx context.Context, archive, dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tr, c, err := openArchive(archive)
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading archive: %w", err)
		}
		name := cleanName(hdr.Name)
		if name == "" {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := root.MkdirAll(name, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if d := path.Dir(name); d != "." {
				if err := root.MkdirAll(d, 0o755); err != nil {
					return err
				}
			}
			if err := writeFile(root, name, tr); err != nil {
				return fmt.Errorf("reading archive: %s: %w", name, err)
			}
		}
	}
}

func writeFile(root *os.Root, name string, r io.Reader) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	return errors.Join(err, f.Close())
}

// loadLayout loads every manifest listed in an OCI layout's index.json.
func (s *Service) loadLayout(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, v1.ImageIndexFile))
	if err != nil {
		return nil, fmt.Errorf("not an OCI layout: %w", err)
	}
	var idx v1.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", v1.ImageIndexFile, err)
	}
	if len(idx.Manifests) == 0 {
		return nil, errors.New("OCI layout contains no image")
	}
	var loaded []string
	for i, m := range idx.Manifests {
		names, err := layoutNames(m.Annotations)
		if err != nil {
			return loaded, err
		}
		src, err := layout.NewIndexReference(dir, i)
		if err != nil {
			return loaded, err
		}
		got, err := s.copyIn(ctx, sys, pc, src, names)
		if err != nil {
			return loaded, err
		}
		loaded = append(loaded, got...)
	}
	return loaded, nil
}

// layoutNames implements the naming rule documented on Load.
func layoutNames(ann map[string]string) ([]string, error) {
	n := ann[containerdNameAnnotation]
	if n == "" {
		n = ann[v1.AnnotationRefName]
		if !strings.ContainsAny(n, "/:@") {
			return nil, nil // empty, or only a tag
		}
	}
	norm, err := NormalizeReference(n)
	if err != nil {
		return nil, fmt.Errorf("image name in OCI layout: %w", err)
	}
	return []string{norm}, nil
}

// loadDockerArchive loads every image of a docker-archive, with all its
// RepoTags.
func (s *Service) loadDockerArchive(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, p string) ([]string, error) {
	r, err := dockerarchive.NewReader(sys, p)
	if err != nil {
		return nil, fmt.Errorf("reading docker archive: %w", err)
	}
	defer r.Close()
	list, err := r.List()
	if err != nil {
		return nil, fmt.Errorf("reading docker archive: %w", err)
	}
	var loaded []string
	for _, refs := range list {
		var names []string
		for _, ref := range refs {
			if named := ref.DockerReference(); named != nil {
				names = append(names, named.String())
			}
		}
		got, err := s.copyIn(ctx, sys, pc, refs[0], names)
		if err != nil {
			return loaded, err
		}
		loaded = append(loaded, got...)
	}
	return loaded, nil
}

// copyIn copies src into the store under the given (normalised) names and
// returns them, or the image ID when there are none.
func (s *Service) copyIn(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, src types.ImageReference, names []string) ([]string, error) {
	got, err := s.copyInWith(ctx, sys, pc, src, names, nil)
	if err != nil {
		return nil, fmt.Errorf("copying image into storage: %w", err)
	}
	if len(names) == 0 {
		return []string{got.id}, nil
	}
	return names, nil
}

// istorageRef is a storage-transport reference for a copy into the store.
func istorageRef(s *Service, named reference.Named, id string) (types.ImageReference, error) {
	return istorage.Transport.NewStoreReference(s.store, named, id)
}

// storeImage returns the ID of the stored image ref points at.
func storeImage(s *Service, ref types.ImageReference) (string, error) {
	img, err := istorage.Transport.GetStoreImage(s.store, ref)
	if err != nil {
		return "", err
	}
	return img.ID, nil
}

// configID returns the ID an image will get in the store: the hex digest
// of its config.
func configID(ctx context.Context, sys *types.SystemContext, src types.ImageReference) (string, error) {
	img, err := src.NewImage(ctx, sys)
	if err != nil {
		return "", fmt.Errorf("reading image: %w", err)
	}
	defer img.Close()
	d := img.ConfigInfo().Digest
	if d == "" {
		return "", errors.New("image has no config; cannot load it without a name")
	}
	return d.Encoded(), nil
}
