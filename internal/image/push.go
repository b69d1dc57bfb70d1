package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/types"
)

// PushOptions configure Push.
type PushOptions struct {
	RegistryOptions
	Progress io.Writer // nil: quiet
	// Format forces the manifest type: "oci", "v2s2" (Docker schema 2) or
	// "" (keep the image's where the destination allows it).
	Format string
	// RemoveSignatures drops signatures instead of copying them.
	RemoveSignatures bool
}

// Push copies the local image ref to dest and returns the digest of the
// manifest written. dest is "docker://NAME", a bare registry name
// ("127.0.0.1:5000/team/app:1"), or another transport's reference
// ("oci:DIR[:REF]", "oci-archive:PATH[:REF]", "docker-archive:PATH[:NAME]",
// "dir:DIR"). An empty dest pushes to the registry named by ref itself.
func (s *Service) Push(ctx context.Context, ref, dest string, o PushOptions) (_ digest.Digest, retErr error) {
	img, name, err := s.resolve(ref)
	if err != nil {
		return "", err
	}
	if dest == "" {
		if name == "" {
			return "", fmt.Errorf("image %s has no name to push to: give a destination", shortID(img.ID))
		}
		dest = name
	}
	destRef, named, err := destination(dest)
	if err != nil {
		return "", err
	}
	var srcName reference.Named
	if name != "" {
		srcName, _ = reference.ParseNormalizedNamed(name)
	}
	src, err := istorageRef(s, srcName, img.ID)
	if err != nil {
		return "", err
	}
	mime := ""
	switch o.Format {
	case "":
	case "oci":
		mime = "application/vnd.oci.image.manifest.v1+json"
	case "v2s2", "docker":
		mime = manifest.DockerV2Schema2MediaType
	default:
		return "", fmt.Errorf("unknown manifest format %q: use oci or v2s2", o.Format)
	}

	cs, err := s.newCopySession(o.RegistryOptions)
	if err != nil {
		return "", err
	}
	defer func() { retErr = errors.Join(retErr, cs.close()) }()
	op, sys, pc := cs.op, cs.sys, cs.pc
	mf, err := copy.Image(ctx, pc, destRef, src, &copy.Options{
		SourceCtx:             s.systemContext(op.path),
		DestinationCtx:        withCreds(sys, o.RegistryOptions, named),
		ReportWriter:          o.Progress,
		ForceManifestMIMEType: mime,
		RemoveSignatures:      o.RemoveSignatures,
	})
	if err != nil {
		return "", policyErr(fmt.Errorf("pushing %s to %s: %w", ref, dest, err))
	}
	return manifest.Digest(mf)
}

// destination parses a push (or manifest push) target; named is its
// docker reference when it is a registry.
func destination(dest string) (types.ImageReference, reference.Named, error) {
	if ref, ok, err := otherTransport(dest); err != nil {
		return nil, nil, err
	} else if ok {
		return ref, nil, nil
	}
	named, err := reference.ParseNormalizedNamed(strings.TrimPrefix(dest, "docker://"))
	if err != nil {
		return nil, nil, fmt.Errorf("invalid destination %q: %w", dest, err)
	}
	named = reference.TagNameOnly(named)
	ref, err := docker.NewReference(named)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid destination %q: %w", dest, err)
	}
	return ref, named, nil
}
