package image

import (
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	cstorage "go.podman.io/storage"
)

// NormalizeForTag turns a name given to `tag` (or as a local image name)
// into the stored form: a name without a registry domain goes under
// localhost/, and a missing tag becomes :latest.
//
//	foo            -> localhost/foo:latest
//	foo:1          -> localhost/foo:1
//	team/foo       -> localhost/team/foo:latest
//	quay.io/foo    -> quay.io/foo:latest
//	localhost:5000/foo:2 -> localhost:5000/foo:2
//
// Digests are refused: a tag cannot point at a digest.
func NormalizeForTag(name string) (string, error) {
	if strings.Contains(name, "@") {
		return "", fmt.Errorf("invalid image name %q: a tag cannot contain a digest", name)
	}
	if !hasDomain(name) {
		name = "localhost/" + name
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return "", fmt.Errorf("invalid image name %q: %w", name, err)
	}
	return reference.TagNameOnly(named).String(), nil
}

// NormalizeReference normalises a reference the way pulls do: a name without
// a registry domain goes to docker.io (official images under library/), and
// a missing tag becomes :latest unless a digest is given.
//
//	busybox        -> docker.io/library/busybox:latest
//	team/foo:1     -> docker.io/team/foo:1
//	quay.io/foo    -> quay.io/foo:latest
//	foo@sha256:... -> docker.io/library/foo@sha256:...
func NormalizeReference(name string) (string, error) {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return "", fmt.Errorf("invalid image reference %q: %w", name, err)
	}
	return reference.TagNameOnly(named).String(), nil
}

// hasDomain reports whether the first path component of name is a registry
// host, by the rule of docker/reference: it contains '.' or ':', is
// "localhost", or has upper-case letters (which a repository path may not).
func hasDomain(name string) bool {
	first, _, ok := strings.Cut(name, "/")
	if !ok {
		return false
	}
	return strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first
}

// splitStored splits a stored (fully qualified) name into repository, tag
// and digest; at most one of tag and digest is set.
func splitStored(name string) (repo, tag, dgst string) {
	if r, d, ok := strings.Cut(name, "@"); ok {
		return r, "", d
	}
	slash := strings.LastIndexByte(name, '/')
	if colon := strings.LastIndexByte(name, ':'); colon > slash {
		return name[:colon], name[colon+1:], ""
	}
	return name, "", ""
}

// nameQuery is a parsed, user-supplied image name.
type nameQuery struct {
	repos  []string // fully qualified repositories to try, in order
	suffix string   // "/path" for short names: any stored repository ending so
	tag    string   // "latest" when neither tag nor digest was given
	dgst   string   // "sha256:..." for name@digest
}

// parseNameQuery interprets ref as an image name. A name with a registry
// domain is matched exactly. A short name is tried as localhost/NAME, then
// as its docker.io form, then against any stored repository whose trailing
// path components equal it (podman's rule for local short names).
func parseNameQuery(ref string) (nameQuery, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nameQuery{}, fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	var q nameQuery
	switch r := named.(type) {
	case reference.Digested:
		q.dgst = r.Digest().String()
	case reference.Tagged:
		q.tag = r.Tag()
	default:
		q.tag = "latest"
	}
	if hasDomain(ref) {
		q.repos = []string{named.Name()}
		return q, nil
	}
	path, _, _ := strings.Cut(ref, "@")
	if colon := strings.LastIndexByte(path, ':'); colon > strings.LastIndexByte(path, '/') {
		path = path[:colon]
	}
	q.repos = []string{"localhost/" + path, named.Name()}
	q.suffix = "/" + path
	return q, nil
}

// matches reports whether the stored name (of img) satisfies q for the
// repository test repoOK.
func (q nameQuery) matches(img *cstorage.Image, stored string, repoOK func(string) bool) bool {
	repo, tag, _ := splitStored(stored)
	if !repoOK(repo) {
		return false
	}
	if q.dgst != "" {
		return hasDigest(img, q.dgst)
	}
	return tag == q.tag
}

// hasDigest reports whether d is the digest of one of img's manifests.
func hasDigest(img *cstorage.Image, d string) bool {
	if string(img.Digest) == d {
		return true
	}
	return slices.ContainsFunc(img.Digests, func(x digest.Digest) bool { return string(x) == d })
}
