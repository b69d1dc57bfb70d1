package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"
)

// The pull figures' images, made once per benchmark run off the measured
// path and uploaded straight to the registry over its HTTP API, so that
// neither engine's push (nor its blob cache) is involved in preparing them.

const (
	mediaManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaConfig   = "application/vnd.oci.image.config.v1+json"
	mediaLayerGz  = "application/vnd.oci.image.layer.v1.tar+gzip"
)

// benchEpoch is the time stamp of everything the benchmark makes, so that
// the same run always makes the same digests.
var benchEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// blob is one content-addressed piece of an image, kept in memory (the
// big image is ~50 MB).
type blob struct {
	mediaType string
	digest    string
	data      []byte
}

func newBlob(mediaType string, data []byte) blob {
	sum := sha256.Sum256(data)
	return blob{mediaType: mediaType, digest: "sha256:" + hex.EncodeToString(sum[:]), data: data}
}

func (b blob) descriptor() map[string]any {
	return map[string]any{"mediaType": b.mediaType, "digest": b.digest, "size": len(b.data)}
}

// testImage is an image as blobs: config, layers, and the manifest that
// names them.
type testImage struct {
	config   blob
	layers   []blob
	manifest blob
}

func (t testImage) size() int {
	n := len(t.config.data) + len(t.manifest.data)
	for _, l := range t.layers {
		n += len(l.data)
	}
	return n
}

// readArchive reads the single image of an oci-archive (build/busybox.oci.tar).
func readArchive(archive string) (testImage, error) {
	f, err := os.Open(archive)
	if err != nil {
		return testImage{}, err
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return testImage{}, fmt.Errorf("%s: %w", archive, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return testImage{}, fmt.Errorf("%s: %w", archive, err)
		}
		files[path.Clean(h.Name)] = data
	}
	blobAt := func(mediaType, digest string) (blob, error) {
		algo, hexd, _ := strings.Cut(digest, ":")
		data, ok := files[path.Join("blobs", algo, hexd)]
		if !ok {
			return blob{}, fmt.Errorf("%s: blob %s missing", archive, digest)
		}
		return blob{mediaType: mediaType, digest: digest, data: data}, nil
	}
	var index struct {
		Manifests []struct {
			MediaType, Digest string
		}
	}
	if err := json.Unmarshal(files["index.json"], &index); err != nil || len(index.Manifests) != 1 {
		return testImage{}, fmt.Errorf("%s: want an index.json with one manifest (%v)", archive, err)
	}
	var img testImage
	if img.manifest, err = blobAt(mediaManifest, index.Manifests[0].Digest); err != nil {
		return testImage{}, err
	}
	var m struct {
		Config struct{ MediaType, Digest string }
		Layers []struct{ MediaType, Digest string }
	}
	if err := json.Unmarshal(img.manifest.data, &m); err != nil {
		return testImage{}, fmt.Errorf("%s: manifest: %w", archive, err)
	}
	if img.config, err = blobAt(m.Config.MediaType, m.Config.Digest); err != nil {
		return testImage{}, err
	}
	for _, l := range m.Layers {
		b, err := blobAt(l.MediaType, l.Digest)
		if err != nil {
			return testImage{}, err
		}
		img.layers = append(img.layers, b)
	}
	return img, nil
}

// bigImage is base plus n layers of layerMB MB of incompressible random
// data each, in files of 1 MB. The data comes from a fixed seed, so every
// run pulls the same bytes. Random data makes the figure about moving and
// checking bytes (download, digest, decompress, write), the part of a pull
// that grows with the image; base keeps a real file tree at the bottom.
func bigImage(base testImage, n, layerMB int) (testImage, error) {
	var cfg map[string]any
	if err := json.Unmarshal(base.config.data, &cfg); err != nil {
		return testImage{}, fmt.Errorf("base config: %w", err)
	}
	rootfs, _ := cfg["rootfs"].(map[string]any)
	if rootfs == nil {
		return testImage{}, errors.New("base config has no rootfs")
	}
	diffIDs, _ := rootfs["diff_ids"].([]any)
	history, _ := cfg["history"].([]any)
	img := testImage{layers: append([]blob(nil), base.layers...)}
	for i := range n {
		tarData, gz, err := randomLayer(i, layerMB)
		if err != nil {
			return testImage{}, err
		}
		sum := sha256.Sum256(tarData)
		diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(sum[:]))
		history = append(history, map[string]any{
			"created":    benchEpoch.Format(time.RFC3339),
			"created_by": fmt.Sprintf("bench: %d MB of random data", layerMB),
		})
		img.layers = append(img.layers, newBlob(mediaLayerGz, gz))
	}
	rootfs["diff_ids"] = diffIDs
	cfg["history"] = history
	cfgData, err := json.Marshal(cfg)
	if err != nil {
		return testImage{}, err
	}
	img.config = newBlob(mediaConfig, cfgData)
	layers := make([]map[string]any, len(img.layers))
	for i, l := range img.layers {
		layers[i] = l.descriptor()
	}
	mf, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaManifest,
		"config":        img.config.descriptor(),
		"layers":        layers,
	})
	if err != nil {
		return testImage{}, err
	}
	img.manifest = newBlob(mediaManifest, mf)
	return img, nil
}

// randomLayer returns layer i as a tar and as its gzip, with sizeMB files
// of 1 MB under /bench/layerI/.
func randomLayer(i, sizeMB int) (tarData, gz []byte, err error) {
	var seed [32]byte
	seed[0] = byte(i)
	rng := rand.NewChaCha8(seed)
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	mtime := benchEpoch
	dir := fmt.Sprintf("bench/layer%d/", i)
	for _, d := range []string{"bench/", dir} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: mtime}); err != nil {
			return nil, nil, err
		}
	}
	chunk := make([]byte, 1<<20)
	for j := range sizeMB {
		_, _ = rng.Read(chunk)
		h := &tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("%sf%02d", dir, j), Mode: 0o644, Size: int64(len(chunk)), ModTime: mtime}
		if err := tw.WriteHeader(h); err != nil {
			return nil, nil, err
		}
		if _, err := tw.Write(chunk); err != nil {
			return nil, nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, nil, err
	}
	var gb bytes.Buffer
	// BestSpeed: random data does not compress at any level, and deflate
	// stores such blocks as they are, so the level only changes how long
	// this takes.
	zw, err := gzip.NewWriterLevel(&gb, gzip.BestSpeed)
	if err != nil {
		return nil, nil, err
	}
	if _, err := zw.Write(tb.Bytes()); err != nil {
		return nil, nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	return tb.Bytes(), gb.Bytes(), nil
}

// upload stores img in the registry as repo:tag through the distribution
// API: each blob in one monolithic upload (POST, then PUT with the digest),
// then the manifest.
func (r *registry) upload(ctx context.Context, repo, tag string, img testImage) error {
	client := &http.Client{Timeout: time.Minute}
	base := "http://" + r.addr + "/v2/" + repo
	for _, b := range append([]blob{img.config}, img.layers...) {
		resp, err := r.do(ctx, client, http.MethodPost, base+"/blobs/uploads/", "", nil, http.StatusAccepted)
		if err != nil {
			return err
		}
		loc, err := url.Parse(base)
		if err == nil {
			loc, err = loc.Parse(resp.Header.Get("Location"))
		}
		if err != nil {
			return fmt.Errorf("upload location: %w", err)
		}
		q := loc.Query()
		q.Set("digest", b.digest)
		loc.RawQuery = q.Encode()
		if _, err := r.do(ctx, client, http.MethodPut, loc.String(), "application/octet-stream", b.data, http.StatusCreated); err != nil {
			return err
		}
	}
	_, err := r.do(ctx, client, http.MethodPut, base+"/manifests/"+tag, img.manifest.mediaType, img.manifest.data, http.StatusCreated)
	return err
}

func (r *registry) do(ctx context.Context, client *http.Client, method, u, ctype string, body []byte, want int) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != want {
		return nil, fmt.Errorf("registry %s %s: %s: %s", method, u, resp.Status, strings.TrimSpace(string(msg)))
	}
	return resp, nil
}
