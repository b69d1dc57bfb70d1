package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"

	"github.com/berthproject/berth/internal/image"
)

// Registry operations: pull, push, login, logout, search.

// RegistryOptions are the registry settings of one command (--tls-verify,
// --creds, --authfile, --platform, --cert-dir).
type RegistryOptions = image.RegistryOptions

// PullOptions configure Pull.
type PullOptions = image.PullOptions

// PushOptions configure Push.
type PushOptions = image.PushOptions

// PulledImage is one image a pull stored.
type PulledImage = image.Pulled

// SearchResult is one repository a registry search found.
type SearchResult = image.SearchResult

// AuthFile returns the credentials file berth reads and writes: explicit
// (--authfile) if given, else $REGISTRY_AUTH_FILE, else auth.json in the
// run root (/run/berth/auth.json by default: credentials do not survive a
// reboot, as with podman's $XDG_RUNTIME_DIR/containers/auth.json).
func (r *Runtime) AuthFile(explicit string) (path string, isExplicit bool) {
	if explicit != "" {
		return explicit, true
	}
	if env := os.Getenv("REGISTRY_AUTH_FILE"); env != "" {
		return env, true
	}
	return filepath.Join(r.opts.RunRoot, "auth.json"), false
}

// withAuthFile fills o's auth file from AuthFile.
func (r *Runtime) withAuthFile(o RegistryOptions) RegistryOptions {
	o.AuthFile, o.AuthFileExplicit = r.AuthFile(o.AuthFile)
	return o
}

// Pull copies an image from a registry (or another transport) into the
// store; see image.Service.Pull.
func (r *Runtime) Pull(ctx context.Context, ref string, o PullOptions) ([]PulledImage, error) {
	if ref == "" {
		return nil, fmt.Errorf("no image given: %w", ErrInvalidArg)
	}
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return nil, err
	}
	o.RegistryOptions = r.withAuthFile(o.RegistryOptions)
	got, err := imgs.Pull(ctx, ref, o)
	if err != nil {
		return got, fmt.Errorf("pulling %s: %w", ref, mapImageErr(err))
	}
	for _, p := range got {
		r.emitImage("pull", p.ID, p.Name)
	}
	return got, nil
}

// Push copies a local image to dest; see image.Service.Push.
func (r *Runtime) Push(ctx context.Context, ref, dest string, o PushOptions) (digest.Digest, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return "", err
	}
	o.RegistryOptions = r.withAuthFile(o.RegistryOptions)
	d, err := imgs.Push(ctx, ref, dest, o)
	if err != nil {
		return d, mapImageErr(err)
	}
	r.emitImage("push", "", dest)
	return d, nil
}

// Login verifies credentials with the registry and stores them in the
// auth file.
func (r *Runtime) Login(ctx context.Context, server, user, password string, o RegistryOptions) error {
	if user == "" {
		return fmt.Errorf("login: no user name given: %w", ErrInvalidArg)
	}
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return err
	}
	o = r.withAuthFile(o)
	if dir := filepath.Dir(o.AuthFile); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	return imgs.Login(ctx, server, user, password, o)
}

// Logout removes stored credentials of server, or of all registries when
// server is "".
func (r *Runtime) Logout(ctx context.Context, server string, o RegistryOptions) error {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return err
	}
	return imgs.Logout(ctx, server, r.withAuthFile(o))
}

// Search lists a registry's repositories whose names contain term.
func (r *Runtime) Search(ctx context.Context, registry, term string, limit int, o RegistryOptions) ([]SearchResult, error) {
	_, imgs, err := r.storage(ctx)
	if err != nil {
		return nil, err
	}
	return imgs.Search(ctx, registry, term, limit, r.withAuthFile(o))
}
