// Package storage wraps a go.podman.io/storage store (overlay driver) for
// berth: opening it isolated from the host's storage.conf, and the container
// layer operations the engine needs (create, mount, unmount, remove, export,
// size). Images are handled by internal/image on top of Unwrap().
//
// The facts this package relies on are collected in
// /work/shared/notes/storage-image.md. Programs using it must call
// reexec.Init() (go.podman.io/storage/pkg/reexec) first thing in main: layer
// extraction and deep overlay mounts run in a re-executed child.
package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	cstorage "go.podman.io/storage"
	ctypes "go.podman.io/storage/types"

	istorage "go.podman.io/image/v5/storage"
)

// Sentinel errors, wrapped with %w by every method that returns them.
var (
	// ErrNotFound: the container (or the image it is created from) is not
	// in the store.
	ErrNotFound = errors.New("not known to storage")
	// ErrExists: a container with that ID or name is already in the store.
	ErrExists = errors.New("already exists in storage")
)

// Defaults used by Open for empty Options fields.
const (
	DefaultDriver = "overlay"
	// nodev on the container rootfs; metacopy stays off because it disables
	// the overlay driver's native diff (see the note, section 3).
	DefaultMountOpt = "overlay.mountopt=nodev"
)

// Options configure Open. GraphRoot and RunRoot are required.
type Options struct {
	GraphRoot string
	RunRoot   string
	// Driver defaults to "overlay".
	Driver string
	// DriverOptions default to ["overlay.mountopt=nodev"] when nil.
	DriverOptions []string
}

// Store is an open containers/storage store. It is safe for concurrent use
// by goroutines of one process; other processes coordinate through the
// store's own file locks.
type Store struct {
	store cstorage.Store
}

// Open opens (creating if needed) the store at o.GraphRoot/o.RunRoot.
//
// storage.GetStore always parses the host's storage.conf first and fails on a
// malformed one, even though explicit roots and driver make it ignore every
// value in it. Open therefore points CONTAINERS_STORAGE_CONF at /dev/null and
// hides CONTAINERS_STORAGE_CONF_OVERRIDE for the duration of the call; the
// library caches the parse once per process, so restoring the environment
// afterwards is safe.
func Open(ctx context.Context, o Options) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if o.GraphRoot == "" || o.RunRoot == "" {
		return nil, errors.New("storage: graph root and run root are required")
	}
	driver := o.Driver
	if driver == "" {
		driver = DefaultDriver
	}
	driverOpts := o.DriverOptions
	if driverOpts == nil && driver == DefaultDriver {
		driverOpts = []string{DefaultMountOpt}
	}
	// Overlay mount data is "lowerdir=A:B,upperdir=...,workdir=..." with
	// absolute paths under the graph root: a ',' or ':' in it corrupts the
	// options. The driver's mount probe then fails and it silently switches
	// to fuse-overlayfs, which fails on the same paths at the first mount.
	if driver == DefaultDriver && strings.ContainsAny(o.GraphRoot, ",:") {
		return nil, fmt.Errorf("storage: graph root %q: the overlay driver cannot use a path containing ',' or ':'", o.GraphRoot)
	}

	// The library logs progress at info level through the global logrus
	// logger ("Not using native diff...", "Found incomplete layer..."). Keep
	// that off the user's terminal unless the program asked for more than
	// the default (debug/trace) or less (error and above).
	if logrus.GetLevel() == logrus.InfoLevel {
		logrus.SetLevel(logrus.WarnLevel)
	}

	restore := isolateEnv()
	st, err := getStore(ctx, ctypes.StoreOptions{
		GraphRoot:          o.GraphRoot,
		RunRoot:            o.RunRoot,
		GraphDriverName:    driver,
		GraphDriverOptions: driverOpts,
	})
	restore()
	if err != nil {
		return nil, fmt.Errorf("opening storage at %s: %w", o.GraphRoot, err)
	}
	// Without this, a "containers-storage:" name parsed anywhere in the
	// image library would open the default store under /var/lib/containers.
	istorage.Transport.SetStore(st)
	if driver == DefaultDriver && usesMountProgram(st.GraphRoot(), driverOpts) {
		logrus.Warnf("storage: native overlay is not usable under %s; the driver fell back to fuse-overlayfs, which is much slower", st.GraphRoot())
	}
	return &Store{store: st}, nil
}

// usesMountProgram reports whether the overlay driver chose a mount program
// although none was configured: when the native overlay probe fails and
// fuse-overlayfs is on PATH, the driver switches to it without a word. It
// records the choice in overlay/.has-mount-program.
func usesMountProgram(graphRoot string, opts []string) bool {
	for _, o := range opts {
		if strings.Contains(o, "mount_program=") {
			return false // asked for
		}
	}
	data, err := os.ReadFile(filepath.Join(graphRoot, "overlay", ".has-mount-program"))
	return err == nil && strings.TrimSpace(string(data)) == "true"
}

// isolateEnv hides the storage.conf environment overrides and returns a
// function that puts them back.
func isolateEnv() (restore func()) {
	type saved struct {
		key, val string
		set      bool
	}
	var old []saved
	for _, kv := range [][2]string{
		{"CONTAINERS_STORAGE_CONF", "/dev/null"},
		{"CONTAINERS_STORAGE_CONF_OVERRIDE", ""},
	} {
		v, ok := os.LookupEnv(kv[0])
		old = append(old, saved{kv[0], v, ok})
		if kv[1] == "" {
			os.Unsetenv(kv[0])
		} else {
			os.Setenv(kv[0], kv[1])
		}
	}
	return func() {
		for _, s := range old {
			if s.set {
				os.Setenv(s.key, s.val)
			} else {
				os.Unsetenv(s.key)
			}
		}
	}
}

// Close releases the store. Layers that are still mounted (containers that
// keep running after this process exits) are not an error: they stay
// mounted, and the driver's home bind mount stays with them.
func (s *Store) Close() error {
	if _, err := s.store.Shutdown(false); err != nil && !errors.Is(err, cstorage.ErrLayerUsedByContainer) {
		return fmt.Errorf("closing storage: %w", err)
	}
	return nil
}

// Warm loads the image and layer lists into the store's memory, so that
// the next lookup or layer creation finds them read: containers/storage
// reads its JSON lists on first use and again only when another process
// changed them. For an engine that can do this ahead, on another core.
func (s *Store) Warm() {
	_, _ = s.store.Images()
	_, _ = s.store.Layers()
}

// Unwrap returns the underlying containers/storage store, for internal/image.
func (s *Store) Unwrap() cstorage.Store { return s.store }

// GraphRoot returns the absolute graph root of the store.
func (s *Store) GraphRoot() string { return s.store.GraphRoot() }

// RunRoot returns the absolute run root of the store.
func (s *Store) RunRoot() string { return s.store.RunRoot() }

// getStore opens the store, waiting out one known transient failure: a
// berth killed during a pull leaves the library's untar child (a re-exec
// of berth that does not die with its parent) writing into a staging dir
// for a moment, and the open's stale-staging-dir recovery then fails with
// ENOTEMPTY. Retrying for a few seconds lets that child finish, so the
// next command repairs the store instead of failing.
func getStore(ctx context.Context, opts ctypes.StoreOptions) (cstorage.Store, error) {
	delay := 50 * time.Millisecond
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := cstorage.GetStore(opts)
		if err == nil || !errors.Is(err, syscall.ENOTEMPTY) || time.Now().After(deadline) {
			return st, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}
