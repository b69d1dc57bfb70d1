package image

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
)

// ErrNotLoggedIn: logout of a registry the auth file has no entry for.
var ErrNotLoggedIn = errors.New("not logged in")

// registryKey turns a login argument ("docker://host:port/", "host/ns")
// into an auth file key.
func registryKey(server string) (string, error) {
	key := strings.TrimSuffix(strings.TrimPrefix(server, "docker://"), "/")
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	if key == "" {
		return "", errors.New("no registry given")
	}
	return key, nil
}

// Login checks user and password against the registry server and stores
// them in o.AuthFile (which must be set). Nothing is written when the
// registry refuses them.
func (s *Service) Login(ctx context.Context, server, user, password string, o RegistryOptions) error {
	key, err := registryKey(server)
	if err != nil {
		return err
	}
	if o.AuthFile == "" {
		return errors.New("login: no auth file")
	}
	sys, err := s.registryContext(s.tmpDir, o)
	if err != nil {
		return err
	}
	host, _, _ := strings.Cut(key, "/")
	if err := docker.CheckAuth(ctx, sys, user, password, host); err != nil {
		return fmt.Errorf("logging in to %s: %w", key, err)
	}
	sys.AuthFilePath = o.AuthFile
	if _, err := config.SetCredentials(sys, key, user, password); err != nil {
		return fmt.Errorf("storing credentials in %s: %w", o.AuthFile, err)
	}
	return nil
}

// Logout removes the credentials of server (or, with server "", of every
// registry) from o.AuthFile.
func (s *Service) Logout(ctx context.Context, server string, o RegistryOptions) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.AuthFile == "" {
		return errors.New("logout: no auth file")
	}
	sys := s.systemContext(s.tmpDir)
	sys.AuthFilePath = o.AuthFile
	if server == "" {
		if err := config.RemoveAllAuthentication(sys); err != nil {
			return fmt.Errorf("removing credentials from %s: %w", o.AuthFile, err)
		}
		return nil
	}
	key, err := registryKey(server)
	if err != nil {
		return err
	}
	if err := config.RemoveAuthentication(sys, key); err != nil {
		if errors.Is(err, config.ErrNotLoggedIn) {
			return fmt.Errorf("not logged into %s: %w", key, ErrNotLoggedIn)
		}
		return fmt.Errorf("removing credentials from %s: %w", o.AuthFile, err)
	}
	return nil
}

// SearchResult is one repository found by Search.
type SearchResult struct {
	Index       string // registry host
	Name        string // host/repository
	Description string
	Stars       int
	Official    bool
}

// Search asks registry for repositories whose name contains term. It uses
// the v1 search endpoint where the registry has one; a distribution
// registry has not, and then the v2 _catalog is listed and filtered here
// (only names are known then: no description, stars or official flag).
func (s *Service) Search(ctx context.Context, registry, term string, limit int, o RegistryOptions) ([]SearchResult, error) {
	sys, err := s.registryContext(s.tmpDir, o)
	if err != nil {
		return nil, err
	}
	registries := []string{registry}
	if registry == "" {
		if registries, err = sysregistriesv2.UnqualifiedSearchRegistries(sys); err != nil {
			return nil, err
		}
		if len(registries) == 0 {
			return nil, errors.New("no registry given and registries.conf has no unqualified-search-registries")
		}
	}
	var out []SearchResult
	for _, reg := range registries {
		key, err := registryKey(reg)
		if err != nil {
			return nil, err
		}
		rsys := sys
		if o.AuthFile != "" && !o.AuthFileExplicit && sys.DockerAuthConfig == nil {
			if auth, err := berthCreds(sys, o.AuthFile, key); err == nil && auth != nil {
				c := *sys
				c.DockerAuthConfig = auth
				rsys = &c
			}
		}
		res, err := docker.SearchRegistry(ctx, rsys, key, term, limit)
		if err != nil {
			return nil, fmt.Errorf("searching %s: %w", key, err)
		}
		for _, r := range res {
			name := r.Name
			if !strings.HasPrefix(name, key+"/") {
				name = key + "/" + name
			}
			out = append(out, SearchResult{Index: key, Name: name, Description: r.Description, Stars: r.StarCount, Official: r.IsOfficial})
		}
	}
	return out, nil
}
