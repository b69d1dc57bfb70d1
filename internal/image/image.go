// Package image manages images in berth's containers/storage store through
// go.podman.io/image/v5: listing, lookup by ID or name, configs, load and
// save of archives, tag, untag and removal.
//
// Names are stored fully qualified ("localhost/busybox:latest",
// "docker.io/library/alpine:3"); see NormalizeForTag and NormalizeReference.
// Programs using this package must call reexec.Init() first thing in main
// (layer extraction runs in a re-executed child; see the storage note).
package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"go.podman.io/image/v5/types"
	cstorage "go.podman.io/storage"
)

// Sentinel errors, wrapped with %w.
var (
	ErrNotFound  = errors.New("image not known")
	ErrInUse     = errors.New("image is in use by a container")
	ErrAmbiguous = errors.New("ambiguous image ID prefix")
	// ErrMultipleNames: removing an image by ID that still has several
	// names needs force (docker and podman refuse the same way).
	ErrMultipleNames = errors.New("image is referenced in multiple repositories")
)

// Options configure New.
type Options struct {
	// TmpDir stages blobs during copies (SystemContext.BigFilesTemporaryDir).
	// Put it on the same file system as the store, not on tmpfs. Required.
	TmpDir string
	// BlobCacheDir holds the blob info cache (SystemContext.BlobInfoCacheDir),
	// so that berth never writes podman's /var/lib/containers/cache. Required.
	BlobCacheDir string
}

// Service performs image operations on one store.
type Service struct {
	store        cstorage.Store
	tmpDir       string
	blobCacheDir string
}

// Image describes a stored image.
type Image struct {
	ID      string
	Names   []string // fully qualified name:tag, e.g. "localhost/busybox:latest"
	Digest  string   // digest of the manifest, "sha256:..."
	Created time.Time
	Size    int64 // layers (uncompressed) plus manifest and config
	Labels  map[string]string
	// Dangling is true when the image has no name.
	Dangling bool
}

// New returns a Service for store. It creates o.TmpDir and o.BlobCacheDir
// if needed and removes what killed processes left in o.TmpDir (see
// tmpdir.go: directories of live operations in other processes are kept).
func New(store cstorage.Store, o Options) (*Service, error) {
	if store == nil {
		return nil, errors.New("image: nil store")
	}
	if o.TmpDir == "" || o.BlobCacheDir == "" {
		return nil, errors.New("image: TmpDir and BlobCacheDir are required")
	}
	for _, d := range []string{o.TmpDir, o.BlobCacheDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("image: %w", err)
		}
	}
	// Leftovers that cannot be removed must not stop every command.
	if err := wipeStale(o.TmpDir); err != nil {
		logrus.Warnf("image: %v", err)
	}
	return &Service{store: store, tmpDir: o.TmpDir, blobCacheDir: o.BlobCacheDir}, nil
}

// systemContext returns the SystemContext for one copy operation staging
// its blobs in tmp.
func (s *Service) systemContext(tmp string) *types.SystemContext {
	return &types.SystemContext{
		BigFilesTemporaryDir: tmp,
		BlobInfoCacheDir:     s.blobCacheDir,
	}
}

// List returns all images. It reads the image and layer records once and
// each image's config once (for the labels).
func (s *Service) List(ctx context.Context) ([]Image, error) {
	return s.ListRecords(ctx, true)
}

// ListRecords is List that reads the configs, for the labels, only when
// labels is true: a plain listing needs only the store's records, and the
// config reads are a fifth of its time with hundreds of images.
func (s *Service) ListRecords(ctx context.Context, labels bool) ([]Image, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	imgs, err := s.store.Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	layers, err := s.store.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	byID := make(map[string]*cstorage.Layer, len(layers))
	for i := range layers {
		byID[layers[i].ID] = &layers[i]
	}
	lookup := func(id string) (*cstorage.Layer, error) {
		if l, ok := byID[id]; ok {
			return l, nil
		}
		return nil, cstorage.ErrLayerUnknown
	}
	out := make([]Image, len(imgs))
	for i := range imgs {
		out[i] = s.describeRecord(&imgs[i], lookup)
	}
	if labels {
		s.readLabels(imgs, out)
	}
	return out, nil
}

// readLabels fills out[i].Labels from the config of imgs[i], a few images
// at a time. Each read is a store call that takes the image store's lock
// and reads a file: with hundreds of images that is most of the listing's
// own time (~8 ms of ~40 ms for `images` with 201 images here), and the
// calls do not depend on each other.
func (s *Service) readLabels(imgs []cstorage.Image, out []Image) {
	workers := min(2*runtime.GOMAXPROCS(0), len(imgs)/labelBatch)
	if workers < 2 {
		for i := range imgs {
			out[i].Labels = s.labels(&imgs[i])
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(imgs) {
					return
				}
				out[i].Labels = s.labels(&imgs[i])
			}
		})
	}
	wg.Wait()
}

// labelBatch is how many images make another reader worth starting.
const labelBatch = 16

// describe converts a store record. Failures to read sizes or labels are
// not fatal: a listing must not fail because one image is damaged (that is
// what `system check` is for).
func (s *Service) describe(img *cstorage.Image, layer func(string) (*cstorage.Layer, error)) Image {
	out := s.describeRecord(img, layer)
	out.Labels = s.labels(img)
	return out
}

// describeRecord is describe without the labels, which need the config.
func (s *Service) describeRecord(img *cstorage.Image, layer func(string) (*cstorage.Layer, error)) Image {
	out := identity(img)
	out.Size = s.imageSize(img, layer)
	return out
}

// identity is what the image record itself says: ID, digest, creation
// time and names.
func identity(img *cstorage.Image) Image {
	out := Image{
		ID:      img.ID,
		Digest:  string(img.Digest),
		Created: img.Created,
	}
	for _, n := range img.Names {
		// name@digest entries are digest pins, not tags.
		if !strings.Contains(n, "@") {
			out.Names = append(out.Names, n)
		}
	}
	out.Dangling = len(out.Names) == 0
	return out
}

// labels reads the image's labels from its config; nil when the config
// cannot be read.
func (s *Service) labels(img *cstorage.Image) map[string]string {
	cfg := configKey(img)
	if cfg == "" {
		return nil
	}
	data, err := s.store.ImageBigData(img.ID, cfg)
	if err != nil {
		return nil
	}
	// The "config"."Labels" path is the same in OCI and Docker schema2
	// configs.
	var c struct {
		Config struct {
			Labels map[string]string `json:"Labels"`
		} `json:"config"`
	}
	if json.Unmarshal(data, &c) != nil {
		return nil
	}
	return c.Config.Labels
}

// configKey returns the big-data key under which the image library stored
// the image's config: the config digest, "sha256:<hex>". The other keys are
// "manifest", "manifest-<digest>" and "signatures...".
func configKey(img *cstorage.Image) string {
	if k := "sha256:" + img.ID; slices.Contains(img.BigDataNames, k) {
		return k
	}
	for _, k := range img.BigDataNames {
		if strings.HasPrefix(k, "sha256:") {
			return k
		}
	}
	return ""
}

// imageSize adds up the uncompressed sizes of the image's layer chain and
// its big-data items (manifest, config), as podman reports it. Sizes the
// store does not know count as zero rather than being recomputed: a
// listing must stay a single cheap pass.
func (s *Service) imageSize(img *cstorage.Image, layer func(string) (*cstorage.Layer, error)) int64 {
	var size int64
	for id, n := img.TopLayer, 0; id != "" && n < 10000; n++ {
		l, err := layer(id)
		if err != nil {
			break
		}
		if l.UncompressedSize > 0 {
			size += l.UncompressedSize
		}
		id = l.Parent
	}
	for _, n := range img.BigDataSizes {
		size += n
	}
	return size
}

// Lookup finds one image by reference:
//   - a full ID, "sha256:"+ID, or a unique ID prefix of at least 3 hex
//     characters (several matches: ErrAmbiguous);
//   - a name with a registry domain, matched exactly (":latest" added when
//     no tag is given), or name@sha256:digest;
//   - a short name, tried as localhost/NAME, then docker.io/[library/]NAME,
//     then against any stored repository ending in "/NAME" with the same
//     tag (several different images: ErrAmbiguous).
//
// A hex string that matches no ID is tried as a name.
func (s *Service) Lookup(ctx context.Context, ref string) (Image, error) {
	if err := ctx.Err(); err != nil {
		return Image{}, err
	}
	img, _, err := s.resolve(ref)
	if err != nil {
		return Image{}, err
	}
	return s.describe(img, s.store.Layer), nil
}

// resolve finds the image for ref. name is the stored name that matched
// when ref was a tagged name, "" when it was an ID or digest.
func (s *Service) resolve(ref string) (img *cstorage.Image, name string, err error) {
	imgs, err := s.store.Images()
	if err != nil {
		return nil, "", fmt.Errorf("listing images: %w", err)
	}
	i, name, err := findImage(imgs, ref)
	if err != nil {
		return nil, "", err
	}
	return &imgs[i], name, nil
}
