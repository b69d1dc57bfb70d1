package image

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

// ErrPolicyRejected: the signature policy (policy.json) refused the image.
var ErrPolicyRejected = errors.New("image rejected by signature policy")

// RegistryOptions are the per-command settings of an operation that talks to
// a registry (pull, push, login, search, manifest push).
type RegistryOptions struct {
	// TLSVerify is types.OptionalBoolFalse for --tls-verify=false (plain
	// HTTP or an unverified certificate); undefined leaves it to
	// registries.conf ("insecure = true").
	TLSVerify types.OptionalBool
	// Creds is "USER[:PASSWORD]" from --creds; it overrides the auth file.
	Creds string
	// AuthFile is the auth.json to read and write. Credentials are also
	// read from ~/.docker/config.json when the caller did not choose the
	// file explicitly (AuthFileExplicit false).
	AuthFile         string
	AuthFileExplicit bool
	// OS, Arch and Variant choose an instance of a multi-arch image
	// (--platform, --os, --arch, --variant); empty means this host's.
	OS, Arch, Variant string
	// CertDir is a directory of *.crt/*.cert/*.key files (--cert-dir).
	CertDir string
}

// registryContext returns the SystemContext for one registry operation,
// staging blobs in tmp. registries.conf is read by the library: the system
// files, or only $CONTAINERS_REGISTRIES_CONF when that is set.
func (s *Service) registryContext(tmp string, o RegistryOptions) (*types.SystemContext, error) {
	sys := s.systemContext(tmp)
	sys.DockerInsecureSkipTLSVerify = invertBool(o.TLSVerify)
	sys.OCIInsecureSkipTLSVerify = o.TLSVerify == types.OptionalBoolFalse
	sys.DockerDaemonInsecureSkipTLSVerify = o.TLSVerify == types.OptionalBoolFalse
	sys.OSChoice, sys.ArchitectureChoice, sys.VariantChoice = o.OS, o.Arch, o.Variant
	sys.DockerCertPath = o.CertDir
	if o.AuthFileExplicit {
		sys.AuthFilePath = o.AuthFile
	}
	// Otherwise the library's own chain applies ($XDG_RUNTIME_DIR or
	// /run/containers/UID/auth.json, ~/.config/containers/auth.json,
	// ~/.docker/config.json); withCreds puts berth's default file first.

	// Short-name aliases recorded by pulls go to berth's cache, not to
	// /var/cache/containers.
	sys.UserShortNameAliasConfPath = filepath.Join(s.blobCacheDir, "short-name-aliases.conf")
	if o.Creds != "" {
		user, pass, _ := strings.Cut(o.Creds, ":")
		if user == "" {
			return nil, fmt.Errorf("invalid --creds %q: want USER[:PASSWORD]", o.Creds)
		}
		sys.DockerAuthConfig = &types.DockerAuthConfig{Username: user, Password: pass}
	}
	return sys, nil
}

// withCreds returns sys with credentials for the image named: --creds,
// else (when no auth file was chosen explicitly) those stored for it in
// berth's default auth file; else sys unchanged, and the library looks in
// its default files, ~/.docker/config.json included.
func withCreds(sys *types.SystemContext, o RegistryOptions, named reference.Named) *types.SystemContext {
	if sys.DockerAuthConfig != nil || o.AuthFileExplicit || o.AuthFile == "" || named == nil {
		return sys
	}
	auth, err := berthCreds(sys, o.AuthFile, named.Name())
	if err != nil || auth == nil {
		return sys
	}
	out := *sys
	out.DockerAuthConfig = auth
	return &out
}

// berthCreds reads the credentials stored for key (a registry, or a
// repository under it) in authFile only; nil when there are none.
func berthCreds(sys *types.SystemContext, authFile, key string) (*types.DockerAuthConfig, error) {
	if _, err := os.Stat(authFile); err != nil {
		return nil, nil
	}
	probe := *sys
	probe.AuthFilePath = authFile
	auth, err := config.GetCredentials(&probe, key)
	if err != nil || (auth.Username == "" && auth.IdentityToken == "") {
		return nil, err
	}
	return &auth, nil
}

func invertBool(b types.OptionalBool) types.OptionalBool {
	switch b {
	case types.OptionalBoolTrue:
		return types.OptionalBoolFalse
	case types.OptionalBoolFalse:
		return types.OptionalBoolTrue
	}
	return types.OptionalBoolUndefined
}

// policyPaths are where the signature policy is looked for when
// $CONTAINERS_POLICY_JSON is not set, in the library's order.
func policyPaths() []string {
	var paths []string
	if home, err := os.UserHomeDir(); err == nil {
		paths = append(paths, filepath.Join(home, ".config/containers/policy.json"))
	}
	return append(paths, "/etc/containers/policy.json", "/usr/share/containers/policy.json")
}

// policyContext returns the signature policy for images coming from
// outside (registries, import of foreign archives by push destinations):
// $CONTAINERS_POLICY_JSON if set (it must exist), else the first system
// policy.json that exists. When the host has none at all, berth accepts
// anything (podman fails instead); this is documented in docs/images.md.
func policyContext() (*signature.PolicyContext, error) {
	path := os.Getenv("CONTAINERS_POLICY_JSON")
	if path == "" {
		for _, p := range policyPaths() {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		return acceptAnything()
	}
	pol, err := signature.NewPolicyFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading signature policy: %w", err)
	}
	pc, err := signature.NewPolicyContext(pol)
	if err != nil {
		return nil, fmt.Errorf("creating signature policy: %w", err)
	}
	return pc, nil
}

// policyErr classifies a copy error caused by the signature policy.
func policyErr(err error) error {
	var pre signature.PolicyRequirementError
	if errors.As(err, &pre) {
		return fmt.Errorf("%w: %w", ErrPolicyRejected, err)
	}
	return err
}

// copySession is what one copy through the image library needs: a private
// staging dir (locked, so that New's cleanup leaves it alone), the system
// context for registries, and the signature policy. close releases all.
type copySession struct {
	op  *opDir
	sys *types.SystemContext
	pc  *signature.PolicyContext
}

func (s *Service) newCopySession(o RegistryOptions) (*copySession, error) {
	op, err := newOpDir(s.tmpDir)
	if err != nil {
		return nil, err
	}
	sys, err := s.registryContext(op.path, o)
	if err != nil {
		return nil, errors.Join(err, op.release())
	}
	pc, err := policyContext()
	if err != nil {
		return nil, errors.Join(err, op.release())
	}
	return &copySession{op: op, sys: sys, pc: pc}, nil
}

func (c *copySession) close() error {
	c.pc.Destroy()
	return c.op.release()
}
