package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5 * ms}, 5 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 5 * ms}, 5 * ms},
		{[]time.Duration{4 * ms, 1 * ms, 3 * ms, 2 * ms}, 2500 * time.Microsecond},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestRatioAndFormat(t *testing.T) {
	for _, tc := range []struct {
		name         string
		unit         string
		berth, other result
		wantB, wantR string
	}{
		{"latency", "ms", result{value: 50, n: 20}, result{value: 200, n: 20}, "50.0 ms", "0.25 (lower is better)"},
		{"rate", "/s", result{value: 30, n: 20}, result{value: 10, n: 20}, "30.0 /s", "3.00 (higher is better)"},
		{"failed", "ms", result{err: errors.New("x")}, result{value: 1, n: 1}, "failed", "-"},
		{"skipped", "ms", result{skip: "skipped: no push"}, result{skip: "skipped: no push"}, "skipped", "-"},
		{"zero", "ms", result{value: 1, n: 1}, result{value: 0, n: 1}, "1.0 ms", "-"},
	} {
		f := &figure{name: tc.name, unit: tc.unit, results: map[string]result{"berth": tc.berth, "podman": tc.other}}
		if got := f.results["berth"].format(f.unit); got != tc.wantB {
			t.Errorf("%s: format = %q, want %q", tc.name, got, tc.wantB)
		}
		if got := f.ratio("berth", "podman"); got != tc.wantR {
			t.Errorf("%s: ratio = %q, want %q", tc.name, got, tc.wantR)
		}
	}
}

func TestMergeFiguresAndNotes(t *testing.T) {
	figs := mergeFigures(nil, []*figure{
		newFigure("run", "berth", result{value: 1, n: 1}),
		newFigure("pull", "berth", result{skip: "skipped: berth push not implemented yet"}),
	})
	figs = mergeFigures(figs, []*figure{
		newFigure("pull", "podman", result{skip: "skipped: berth push not implemented yet"}),
		newFigure("run", "podman", result{err: errors.New("boom")}),
	})
	if len(figs) != 2 || figs[0].name != "run" || len(figs[0].results) != 2 {
		t.Fatalf("merged = %+v", figs)
	}
	engines := []*engine{{name: "berth"}, {name: "podman"}}
	got := strings.Join(notes(figs, engines), "\n")
	want := "run, podman: failed: boom\npull: skipped: berth push not implemented yet"
	if got != want {
		t.Errorf("notes:\n%s\nwant:\n%s", got, want)
	}
}

func TestUnescapeOctalAndLastLine(t *testing.T) {
	if got := unescapeOctal(`/a\040b\134c\04`); got != `/a b\c\04` {
		t.Errorf("unescapeOctal = %q", got)
	}
	if got := lastLine("Getting image\nabc123\n\n"); got != "abc123" {
		t.Errorf("lastLine = %q", got)
	}
}

// TestBigImage checks that the pull figure's image is one a registry and
// the engines accept: every blob's digest matches its bytes, and the
// config's diff IDs are the digests of the uncompressed layers.
func TestBigImage(t *testing.T) {
	layer, err := oneFileLayer("etc/base", []byte("base\n"))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(layer)
	zw.Close()
	_, baseDiffID := layerName(layer)
	base := testImage{
		config: newBlob(mediaConfig, []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["`+baseDiffID+`"]},"history":[{"created_by":"base"}]}`)),
		layers: []blob{newBlob(mediaLayerGz, gz.Bytes())},
	}
	img, err := bigImage(base, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(img.layers) != 3 || img.size() < 2<<20 {
		t.Fatalf("%d layers, %d bytes", len(img.layers), img.size())
	}
	var cfg struct {
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
		History []map[string]any `json:"history"`
	}
	if err := json.Unmarshal(img.config.data, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.RootFS.DiffIDs) != 3 || len(cfg.History) != 3 {
		t.Fatalf("config %s", img.config.data)
	}
	for i, l := range append([]blob{img.config, img.manifest}, img.layers...) {
		if newBlob(l.mediaType, l.data).digest != l.digest {
			t.Errorf("blob %d: digest %s does not match its data", i, l.digest)
		}
	}
	for i, l := range img.layers {
		zr, err := gzip.NewReader(bytes.NewReader(l.data))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if _, d := layerName(raw); d != cfg.RootFS.DiffIDs[i] {
			t.Errorf("layer %d: diff ID %s, config says %s", i, d, cfg.RootFS.DiffIDs[i])
		}
	}
	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	if err := json.Unmarshal(img.manifest.data, &m); err != nil || m.Config.Digest != img.config.digest || len(m.Layers) != 3 || m.Layers[2].Digest != img.layers[2].digest {
		t.Errorf("manifest %s (%v)", img.manifest.data, err)
	}
}
