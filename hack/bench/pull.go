package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// Pull figures: the test image (one small layer) and a ~50 MB image of
// several layers (issue 3), pulled from a private registry on 127.0.0.1 by
// each engine into a store that does not hold its layers.
//
// Pulls are interleaved, berth then podman, then podman then berth, so that
// both engines see the same machine (load, page cache, disk writeback) over
// the run. Between two pulls, untimed: the engine removes the image (and so
// its layers) and the disk is synced, so that no pull waits on the
// writeback of the one before it.

const (
	bigLayers  = 4  // random layers on top of the test image's layer
	bigLayerMB = 12 // size of each
)

// pullImage is one image of the pull figures.
type pullImage struct {
	name, repo string
	img        testImage
}

// pullImages are the test image and the big image.
func pullImages(archive string) ([]pullImage, error) {
	base, err := readArchive(archive)
	if err != nil {
		return nil, err
	}
	big, err := bigImage(base, bigLayers, bigLayerMB)
	if err != nil {
		return nil, err
	}
	return []pullImage{{pullName(base), "bench/busybox", base}, {pullName(big), "bench/big", big}}, nil
}

// uploadPullImages puts the pull figures' images into reg as REPO:latest.
func uploadPullImages(ctx context.Context, reg *registry, archive string) error {
	images, err := pullImages(archive)
	if err != nil {
		return err
	}
	for _, im := range images {
		if err := reg.upload(ctx, im.repo, "latest", im.img); err != nil {
			return err
		}
		fmt.Printf("%s/%s:latest: %s\n", reg.addr, im.repo, im.name)
	}
	return nil
}

func measurePull(ctx context.Context, engines []*engine, cfg config) []*figure {
	images, err := pullImages(cfg.archive)
	if err != nil {
		return pullSkip(engines, result{err: err})
	}
	reg, err := startRegistry(ctx)
	if err != nil {
		return pullSkip(engines, result{skip: "skipped: " + err.Error()})
	}
	defer reg.stop()

	var figs []*figure
	for _, im := range images {
		fig := &figure{name: im.name, unit: "ms", results: map[string]result{}}
		figs = append(figs, fig)
		if err := reg.upload(ctx, im.repo, "latest", im.img); err != nil {
			for _, e := range engines {
				fig.results[e.name] = result{err: fmt.Errorf("upload: %w", err)}
			}
			continue
		}
		for k, v := range pullLatency(ctx, engines, cfg, reg.addr+"/"+im.repo+":latest") {
			fig.results[k] = v
		}
	}
	return figs
}

func pullName(img testImage) string {
	return fmt.Sprintf("pull %.0f MB in %d layer(s), local registry", float64(img.size())/1e6, len(img.layers))
}

// pullSkip gives both pull figures the same failure or skip for every
// engine.
func pullSkip(engines []*engine, r result) []*figure {
	var figs []*figure
	for _, n := range []string{"pull (test image), local registry", "pull (big image), local registry"} {
		f := &figure{name: n, unit: "ms", results: map[string]result{}}
		for _, e := range engines {
			f.results[e.name] = r
		}
		figs = append(figs, f)
	}
	return figs
}

// pullLatency pulls ref cfg.pulls times per engine after one warm-up pull
// each (the first pull into a store pays its set-up), interleaved, and
// returns each engine's median.
func pullLatency(ctx context.Context, engines []*engine, cfg config, ref string) map[string]result {
	out := map[string]result{}
	samples := map[string][]time.Duration{}
	for _, e := range engines {
		// Not there yet, normally; a failure here only means that.
		_, _, _ = e.run(ctx, "rmi", ref)
	}
	for i := 0; i < 1+cfg.pulls; i++ {
		order := engines
		if i%2 == 1 {
			order = reversed(engines)
		}
		for _, e := range order {
			if out[e.name].err != nil {
				continue
			}
			if err := ctx.Err(); err != nil {
				out[e.name] = result{err: err}
				continue
			}
			d, err := pullOnce(ctx, e, ref)
			if err != nil {
				out[e.name] = result{err: err}
				continue
			}
			if i > 0 {
				samples[e.name] = append(samples[e.name], d)
			}
		}
	}
	for _, e := range engines {
		if out[e.name].err == nil {
			out[e.name] = result{value: ms(median(samples[e.name])), n: len(samples[e.name])}
		}
	}
	return out
}

// pullOnce times one pull, then removes the image and syncs, untimed.
func pullOnce(ctx context.Context, e *engine, ref string) (time.Duration, error) {
	d, _, err := e.run(ctx, "pull", "--tls-verify=false", ref)
	if err != nil {
		return d, err
	}
	if _, _, err := e.run(ctx, "rmi", ref); err != nil {
		return d, err
	}
	if err := exec.CommandContext(ctx, "sync").Run(); err != nil {
		fmt.Fprintf(os.Stderr, "sync: %v\n", err)
	}
	return d, nil
}

func reversed(es []*engine) []*engine {
	out := make([]*engine, len(es))
	for i, e := range es {
		out[len(es)-1-i] = e
	}
	return out
}
