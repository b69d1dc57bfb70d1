package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/shortnames"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"
)

// PullOptions configure Pull.
type PullOptions struct {
	RegistryOptions
	// AllTags pulls every tag of the repository (a docker reference
	// without tag or digest).
	AllTags bool
	// Progress receives the library's report (progress bars on a
	// terminal, one line per blob otherwise); nil means quiet.
	Progress io.Writer
}

// Pulled is one image Pull stored.
type Pulled struct {
	ID   string
	Name string // the reference it was stored under, "" if none
}

// Pull copies the image ref into the store. ref is a docker reference
// (with or without "docker://"), or any other transport's reference
// (oci:, oci-archive:, docker-archive:, dir:). A short name is resolved
// through registries.conf: aliases first, then each
// unqualified-search-registries entry in order, as podman does.
func (s *Service) Pull(ctx context.Context, ref string, o PullOptions) (pulled []Pulled, retErr error) {
	cs, err := s.newCopySession(o.RegistryOptions)
	if err != nil {
		return nil, err
	}
	defer func() { retErr = errors.Join(retErr, cs.close()) }()
	sys, pc := cs.sys, cs.pc

	if src, ok, err := otherTransport(ref); err != nil {
		return nil, err
	} else if ok {
		var names []string
		if named := src.DockerReference(); named != nil {
			names = []string{reference.TagNameOnly(named).String()}
		}
		got, err := s.pullRef(ctx, sys, pc, src, names, o.Progress)
		if err != nil {
			return nil, err
		}
		return []Pulled{got}, nil
	}
	name := strings.TrimPrefix(ref, "docker://")
	if o.AllTags {
		return s.pullAllTags(ctx, sys, pc, name, o)
	}
	if _, err := reference.ParseNormalizedNamed(name); err != nil {
		return nil, fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	resolved, err := shortnames.Resolve(sys, name)
	if err != nil {
		return nil, err
	}
	if o.Progress != nil && len(resolved.PullCandidates) > 1 {
		fmt.Fprintln(o.Progress, resolved.Description())
	}
	var errs []error
	for _, cand := range resolved.PullCandidates {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "Trying to pull %s...\n", cand.Value.String())
		}
		got, err := s.pullNamed(ctx, sys, pc, cand.Value, o)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			errs = append(errs, err)
			continue
		}
		// A read-only alias cache must not fail a pull that worked.
		_ = cand.Record()
		return []Pulled{got}, nil
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, policyErr(resolved.FormatPullErrors(errs))
}

// otherTransport parses ref when it names a transport other than docker.
func otherTransport(ref string) (types.ImageReference, bool, error) {
	prefix, _, ok := strings.Cut(ref, ":")
	if !ok || prefix == "docker" || transports.Get(prefix) == nil {
		return nil, false, nil
	}
	src, err := alltransports.ParseImageName(ref)
	if err != nil {
		return nil, false, fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	return src, true, nil
}

// pullNamed copies one fully qualified docker reference into the store.
func (s *Service) pullNamed(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, named reference.Named, o PullOptions) (Pulled, error) {
	named = reference.TagNameOnly(named)
	src, err := docker.NewReference(named)
	if err != nil {
		return Pulled{}, err
	}
	return s.pullRef(ctx, withCreds(sys, o.RegistryOptions, named), pc, src, []string{named.String()}, o.Progress)
}

// pullRef copies src into the store under names (or unnamed).
func (s *Service) pullRef(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, src types.ImageReference, names []string, progress io.Writer) (Pulled, error) {
	got, err := s.copyInWith(ctx, sys, pc, src, names, progress)
	if err != nil {
		return Pulled{}, policyErr(err)
	}
	p := Pulled{ID: got.id}
	if len(names) > 0 {
		p.Name = names[0]
	}
	return p, nil
}

// pullAllTags pulls every tag of the repository name.
func (s *Service) pullAllTags(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, name string, o PullOptions) ([]Pulled, error) {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, fmt.Errorf("invalid image reference %q: %w", name, err)
	}
	if !reference.IsNameOnly(named) {
		return nil, fmt.Errorf("--all-tags takes a repository without tag or digest, not %q", name)
	}
	ref, err := docker.NewReference(reference.TagNameOnly(named))
	if err != nil {
		return nil, err
	}
	tags, err := docker.GetRepositoryTags(ctx, withCreds(sys, o.RegistryOptions, named), ref)
	if err != nil {
		return nil, fmt.Errorf("listing tags of %s: %w", named.Name(), err)
	}
	var out []Pulled
	for _, tag := range tags {
		tagged, err := reference.WithTag(named, tag)
		if err != nil {
			return out, err
		}
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "Trying to pull %s...\n", tagged.String())
		}
		got, err := s.pullNamed(ctx, sys, pc, tagged, o)
		if err != nil {
			return out, err
		}
		out = append(out, got)
	}
	return out, nil
}

// copied is what copyInWith stored.
type copied struct {
	id       string
	manifest []byte
}

// copyInWith copies src into the store under names (normalised; none:
// stored by ID) and returns the image ID.
func (s *Service) copyInWith(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, src types.ImageReference, names []string, progress io.Writer) (copied, error) {
	var named reference.Named
	id := ""
	if len(names) > 0 {
		var err error
		if named, err = reference.ParseNormalizedNamed(names[0]); err != nil {
			return copied{}, fmt.Errorf("image name %q: %w", names[0], err)
		}
	} else {
		var err error
		if id, err = configID(ctx, sys, src); err != nil {
			return copied{}, err
		}
	}
	dest, err := istorageRef(s, named, id)
	if err != nil {
		return copied{}, err
	}
	var resolved types.ImageReference
	mf, err := copy.Image(ctx, pc, dest, src, &copy.Options{
		SourceCtx:               sys,
		DestinationCtx:          sys,
		ReportWriter:            progress,
		ReportResolvedReference: &resolved,
	})
	if err != nil {
		return copied{}, err
	}
	if resolved == nil {
		resolved = dest
	}
	img, err := storeImage(s, resolved)
	if err != nil {
		return copied{}, fmt.Errorf("finding stored image: %w", err)
	}
	if len(names) > 1 {
		if err := s.store.AddNames(img, names[1:]); err != nil {
			return copied{}, fmt.Errorf("naming image %s: %w", img, err)
		}
	}
	return copied{id: img, manifest: mf}, nil
}
