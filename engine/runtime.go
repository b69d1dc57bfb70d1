// Package engine is berth's container engine library: the Runtime, and the
// lifecycle of the containers it holds. The CLI and the API service are thin
// layers over it; a Go program can drive containers with it directly.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/berthproject/berth/internal/image"
	"github.com/berthproject/berth/internal/lock"
	"github.com/berthproject/berth/internal/oci"
	"github.com/berthproject/berth/internal/runroot"
	"github.com/berthproject/berth/internal/state"
	"github.com/berthproject/berth/internal/storage"
)

// Version is the engine version, set by the build.
var Version = "0.1.0-dev"

// Options configure a Runtime. Zero values mean the rootful defaults.
type Options struct {
	Root    string // persistent data, default /var/lib/berth
	RunRoot string // volatile data, default /run/berth
	// OCIRuntime is the runtime binary, a path or a name ("runc", "crun");
	// empty picks what works on this host.
	OCIRuntime     string
	ConmonPath     string
	StorageDriver  string   // default overlay
	StorageOptions []string // default overlay.mountopt=nodev
	// CleanupCommand is the argv prefix conmon runs after a container exits;
	// the engine appends "container cleanup <ID>". It must point at the same
	// roots. Default: this executable with --root/--runroot.
	CleanupCommand []string
	// PullProgress receives the report of pulls that create and run make
	// for a missing image; nil means quiet.
	PullProgress io.Writer
	// Prefetch is for commands that will create or start containers: the
	// image store opens, and the OCI spec's JSON encoder is built, on the
	// second core while the state database opens (prefetch.go).
	Prefetch bool
}

func (o *Options) setDefaults() error {
	if o.Root == "" {
		o.Root = "/var/lib/berth"
	}
	if o.RunRoot == "" {
		o.RunRoot = "/run/berth"
	}
	var err error
	if o.Root, err = filepath.Abs(o.Root); err != nil {
		return err
	}
	if o.RunRoot, err = filepath.Abs(o.RunRoot); err != nil {
		return err
	}
	if o.StorageDriver == "" {
		o.StorageDriver = "overlay"
	}
	if o.StorageOptions == nil && o.StorageDriver == "overlay" {
		o.StorageOptions = []string{"overlay.mountopt=nodev"}
	}
	if len(o.CleanupCommand) == 0 {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding berth executable for the cleanup command: %w", err)
		}
		o.CleanupCommand = []string{self, "--root", o.Root, "--runroot", o.RunRoot}
		if o.OCIRuntime != "" {
			o.CleanupCommand = append(o.CleanupCommand, "--runtime", o.OCIRuntime)
		}
	}
	return nil
}

// Runtime is an open engine: state database, locks, and (opened on first
// use, because many commands never need them) the image store and the OCI
// runtime driver.
type Runtime struct {
	opts  Options
	db    *state.DB
	locks *lock.Manager

	storeOnce sync.Once
	store     *storage.Store
	images    *image.Service
	storeErr  error

	ociOnce sync.Once
	oci     *oci.Runtime
	ociErr  error
}

// Open opens the engine at the configured roots, creating them on first
// use. It repairs state left by a reboot before returning.
func Open(ctx context.Context, opts Options) (*Runtime, error) {
	defer phase("open runtime", time.Now())
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	// First, before anything is put in it: an empty run root on disk gets a
	// tmpfs (internal/runroot).
	if err := runroot.Prepare(opts.RunRoot); err != nil {
		return nil, err
	}
	for _, d := range []string{opts.Root, opts.RunRoot, exitDir(opts.RunRoot)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("creating %s: %w", d, err)
		}
	}
	r := &Runtime{opts: opts}
	if opts.Prefetch {
		r.prefetch(ctx)
	}
	db, err := state.Open(ctx, filepath.Join(opts.Root, "state.db"))
	if err != nil {
		r.Close()
		return nil, err
	}
	r.db = db
	if r.locks, err = lock.New(filepath.Join(opts.RunRoot, "locks")); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.refreshAfterReboot(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Close releases the database and the image store.
func (r *Runtime) Close() error {
	var errs []error
	// An image store still opening (and warming) in the background
	// (prefetch) is waited for, so that it is closed too.
	r.storeOnce.Do(func() {})
	if r.store != nil {
		errs = append(errs, r.store.Close())
	}
	if r.db != nil {
		errs = append(errs, r.db.Close())
	}
	return errors.Join(errs...)
}

// Options returns the options the runtime was opened with (defaults filled).
func (r *Runtime) Options() Options { return r.opts }

// storage opens the containers/storage store and image service once.
func (r *Runtime) storage(ctx context.Context) (*storage.Store, *image.Service, error) {
	r.storeOnce.Do(func() { r.openStorage(ctx) })
	return r.store, r.images, r.storeErr
}

// openStorage sets r.store and r.images, or r.storeErr.
func (r *Runtime) openStorage(ctx context.Context) {
	defer phase("open image store", time.Now())
	st, err := storage.Open(ctx, storage.Options{
		GraphRoot:     filepath.Join(r.opts.Root, "storage"),
		RunRoot:       filepath.Join(r.opts.RunRoot, "storage"),
		Driver:        r.opts.StorageDriver,
		DriverOptions: r.opts.StorageOptions,
	})
	if err != nil {
		r.storeErr = fmt.Errorf("opening image store: %w", err)
		return
	}
	imgs, err := image.New(st.Unwrap(), image.Options{
		TmpDir:       filepath.Join(r.opts.Root, "tmp"),
		BlobCacheDir: filepath.Join(r.opts.Root, "cache"),
	})
	if err != nil {
		st.Close()
		r.storeErr = fmt.Errorf("opening image service: %w", err)
		return
	}
	r.store, r.images = st, imgs
}

// ociRuntime finds the OCI runtime and conmon once.
func (r *Runtime) ociRuntime(ctx context.Context) (*oci.Runtime, error) {
	r.ociOnce.Do(func() {
		r.oci, r.ociErr = oci.New(ctx, oci.Config{
			RuntimePath: r.opts.OCIRuntime,
			ConmonPath:  r.opts.ConmonPath,
			StateRoot:   filepath.Join(r.opts.RunRoot, "runtime"),
		})
	})
	return r.oci, r.ociErr
}

// Paths. The bundle and run files are volatile (run root); logs persist.
func exitDir(runRoot string) string           { return filepath.Join(runRoot, "exits") }
func (r *Runtime) exitDir() string            { return exitDir(r.opts.RunRoot) }
func (r *Runtime) bundleDir(id string) string { return filepath.Join(r.opts.RunRoot, "ctr", id) }

// dataDir holds a container's log. A --rm container's goes in the run
// root: the log dies with the container, and the disk is spared two file
// creations per run (see internal/runroot for why those cost).
func (r *Runtime) dataDir(cfg *ContainerConfig) string {
	if cfg.Spec.Remove {
		return filepath.Join(r.opts.RunRoot, "containers", cfg.ID)
	}
	return filepath.Join(r.opts.Root, "containers", cfg.ID)
}
