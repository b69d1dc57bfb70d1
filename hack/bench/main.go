// Command bench measures berth's everyday commands and, when podman is
// installed, the same commands of podman on the same machine, side by side:
//
//	go run ./hack/bench -berth bin/berth -archive build/busybox.oci.tar
//
// (`make bench` does this.) Every engine works in its own temporary root and
// run root, removed at the end; podman gets hack/podman-bench.conf through
// CONTAINERS_CONF. It needs root, like the engines.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
)

const image = "localhost/busybox"

type config struct {
	berth      string
	archive    string
	podmanConf string
	noPodman   bool
	runs       int // measured runs of each latency figure
	warmups    int
	lifecycle  int // containers for the create/start/rm figures
	psCtrs     int // containers present while ps -a is timed
	pulls      int
	only       map[string]bool // figure groups to measure; nil means all
}

// groups are the figure groups -only selects from.
var groups = []string{"containers", "images", "api", "pull"}

func (c config) want(group string) bool { return c.only == nil || c.only[group] }

func main() {
	var cfg config
	flag.StringVar(&cfg.berth, "berth", "bin/berth", "berth binary")
	flag.StringVar(&cfg.archive, "archive", "build/busybox.oci.tar", "oci-archive of "+image)
	flag.StringVar(&cfg.podmanConf, "podman-conf", "hack/podman-bench.conf", "containers.conf for podman")
	flag.BoolVar(&cfg.noPodman, "no-podman", false, "do not measure podman even if installed")
	flag.IntVar(&cfg.runs, "n", 20, "measured runs per latency figure")
	flag.IntVar(&cfg.warmups, "warmup", 3, "unmeasured runs before each latency figure")
	flag.IntVar(&cfg.lifecycle, "lifecycle", 20, "containers for the create/start/rm figures")
	flag.IntVar(&cfg.psCtrs, "ps-containers", 100, "containers present while ps -a is timed")
	flag.IntVar(&cfg.pulls, "pulls", 15, "measured pulls of each image per engine")
	upload := flag.String("upload", "", "only upload the pull figures' images to the registry at `HOST:PORT` (bench/busybox, bench/big) and exit, for measuring by hand")
	only := flag.String("only", "", "comma-separated figure groups to measure, of "+strings.Join(groups, ", ")+" (default all)")
	flag.Parse()
	if *only != "" {
		cfg.only = map[string]bool{}
		for _, g := range strings.Split(*only, ",") {
			if !slices.Contains(groups, g) {
				fmt.Fprintf(os.Stderr, "bench: -only: unknown group %q (want %s)\n", g, strings.Join(groups, ", "))
				os.Exit(2)
			}
			cfg.only[g] = true
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *upload != "" {
		if err := uploadPullImages(ctx, &registry{addr: *upload}, cfg.archive); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			os.Exit(1)
		}
		return
	}
	code, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
	}
	os.Exit(code)
}

// run returns 1 when a berth figure failed; podman's failures and skipped
// figures are reported but never fail the benchmark.
func run(ctx context.Context, cfg config) (int, error) {
	if os.Geteuid() != 0 {
		return 2, errors.New("needs root (container engines run as root here)")
	}
	for _, p := range []*string{&cfg.berth, &cfg.archive, &cfg.podmanConf} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return 2, err
		}
		*p = abs
	}
	for _, p := range []string{cfg.berth, cfg.archive} {
		if _, err := os.Stat(p); err != nil {
			return 2, err
		}
	}

	berth, err := newBerth(cfg.berth)
	if err != nil {
		return 2, err
	}
	defer berth.close()
	engines := []*engine{berth}
	if podmanBin, err := exec.LookPath("podman"); err == nil && !cfg.noPodman {
		podman, err := newPodman(podmanBin, cfg.podmanConf)
		if err != nil {
			return 2, err
		}
		defer podman.close()
		engines = append(engines, podman)
	}

	header := fmt.Sprintf("berth bench: %d runs after %d warm-ups, %d CPUs, %s/%s",
		cfg.runs, cfg.warmups, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	for _, e := range engines {
		header += fmt.Sprintf("; %s %s", e.name, e.version(ctx))
	}
	switch {
	case cfg.noPodman:
		header += "; podman left out (-no-podman)"
	case len(engines) == 1:
		header += "; podman not installed, no comparison"
	}
	fmt.Println(header)

	var figs []*figure
	if cfg.want("containers") {
		for _, e := range engines {
			fmt.Fprintf(os.Stderr, "measuring %s...\n", e.name)
			figs = mergeFigures(figs, measureEngine(ctx, e, cfg))
			if ctx.Err() != nil {
				return 1, ctx.Err()
			}
		}
	}
	if cfg.want("images") {
		figs = mergeFigures(figs, measureAllImages(ctx, engines, cfg))
	}
	if cfg.want("api") {
		figs = mergeFigures(figs, measureAPI(ctx, engines, cfg))
	}
	if cfg.want("pull") {
		fmt.Fprintf(os.Stderr, "measuring pulls...\n")
		figs = mergeFigures(figs, measurePull(ctx, engines, cfg))
	}

	printFigures(os.Stdout, figs, engines)
	for _, f := range figs {
		if r, ok := f.results["berth"]; ok && r.err != nil {
			return 1, nil
		}
	}
	return 0, nil
}

// measureEngine takes the container figures, on one store.
func measureEngine(ctx context.Context, e *engine, cfg config) []*figure {
	names := []string{"run --rm --network none true", "create", "start", "rm -f",
		fmt.Sprintf("ps -a (%d containers)", cfg.psCtrs), "run --rm true (default bridge)", "exec CTR true"}
	if err := e.load(ctx, cfg.archive, image); err != nil {
		figs := make([]*figure, len(names))
		for i, n := range names {
			figs[i] = newFigure(n, e.name, result{err: fmt.Errorf("load: %w", err)})
		}
		return figs
	}

	runFig := newFigure(names[0], e.name, latency(ctx, cfg,
		func() (time.Duration, error) {
			d, _, err := e.run(ctx, "run", "--rm", "--network", "none", image, "true")
			return d, err
		}))

	// The same on each engine's default bridge network: netns, veth,
	// addresses and firewall rules through netavark, set up and torn down.
	bridgeFig := newFigure(names[5], e.name, latency(ctx, cfg,
		func() (time.Duration, error) {
			d, _, err := e.run(ctx, "run", "--rm", image, "true")
			return d, err
		}))

	create, start, rm := lifecycle(ctx, e, cfg.lifecycle)
	figs := []*figure{runFig, bridgeFig,
		newRateFigure(names[1], e.name, create),
		newRateFigure(names[2], e.name, start),
		newRateFigure(names[3], e.name, rm)}

	psRes := result{}
	for i := 0; i < cfg.psCtrs && psRes.err == nil; i++ {
		_, _, psRes.err = e.run(ctx, "create", "--network", "none", image, "true")
	}
	if psRes.err == nil {
		psRes = latency(ctx, cfg, func() (time.Duration, error) {
			d, _, err := e.run(ctx, "ps", "-a")
			return d, err
		})
	}
	figs = append(figs, newFigure(names[4], e.name, psRes))
	figs = append(figs, newFigure(names[6], e.name, execLatency(ctx, e, cfg)))
	if _, _, err := e.run(ctx, append([]string{"rm", "-fa"}, e.rmFlags...)...); err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
	}
	return figs
}

// execLatency times `exec CTR true` in a running container.
func execLatency(ctx context.Context, e *engine, cfg config) result {
	_, out, err := e.run(ctx, "run", "-d", "--network", "none", image, "sleep", "1000")
	if err != nil {
		return result{err: fmt.Errorf("run -d: %w", err)}
	}
	id := lastLine(out)
	return latency(ctx, cfg, func() (time.Duration, error) {
		d, _, err := e.run(ctx, "exec", id, "true")
		return d, err
	})
}

// lifecycle creates n containers one by one, then starts each, then
// removes each with rm -f, and returns the three rates.
func lifecycle(ctx context.Context, e *engine, n int) (create, start, rm result) {
	ids := make([]string, 0, n)
	var total time.Duration
	for i := 0; i < n; i++ {
		d, out, err := e.run(ctx, "create", "--network", "none", image, "true")
		if err != nil {
			return result{err: err}, result{err: err}, result{err: err}
		}
		total += d
		ids = append(ids, lastLine(out))
	}
	create = rate(n, total)

	total = 0
	for _, id := range ids {
		d, _, err := e.run(ctx, "start", id)
		if err != nil {
			start = result{err: err}
			break
		}
		total += d
	}
	if start.err == nil {
		start = rate(n, total)
	}

	total = 0
	for _, id := range ids {
		d, _, err := e.run(ctx, append(append([]string{"rm", "-f"}, e.rmFlags...), id)...)
		if err != nil {
			return create, start, result{err: err}
		}
		total += d
	}
	return create, start, rate(n, total)
}

// latency runs f cfg.warmups times unmeasured, then cfg.runs times, and
// returns the median.
func latency(ctx context.Context, cfg config, f func() (time.Duration, error)) result {
	var ds []time.Duration
	for i := 0; i < cfg.warmups+cfg.runs; i++ {
		if err := ctx.Err(); err != nil {
			return result{err: err}
		}
		d, err := f()
		if err != nil {
			return result{err: err}
		}
		if i >= cfg.warmups {
			ds = append(ds, d)
		}
	}
	return result{value: ms(median(ds)), n: len(ds)}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func rate(n int, total time.Duration) result {
	if total <= 0 {
		return result{err: errors.New("no time measured")}
	}
	return result{value: float64(n) / total.Seconds(), n: n}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// printFigures prints one row per figure, one column per engine, and the
// berth/podman ratio with the direction that is better.
func printFigures(w io.Writer, figs []*figure, engines []*engine) {
	head := []string{"figure"}
	for _, e := range engines {
		head = append(head, e.name)
	}
	if len(engines) > 1 {
		head = append(head, "berth/podman")
	}
	rows := [][]string{head}
	for _, f := range figs {
		row := []string{f.label()}
		for _, e := range engines {
			row = append(row, f.results[e.name].format(f.unit))
		}
		if len(engines) > 1 {
			row = append(row, f.ratio("berth", "podman"))
		}
		rows = append(rows, row)
	}
	width := make([]int, len(head))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len(c))
		}
	}
	for _, row := range rows {
		// The label left-aligned, numbers right-aligned.
		line := fmt.Sprintf("%-*s", width[0], row[0])
		for i, c := range row[1:] {
			line += fmt.Sprintf("  %*s", width[i+1], c)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	for _, n := range notes(figs, engines) {
		fmt.Fprintln(w, n)
	}
}
