package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"
)

// The Docker API figures: the real docker CLI against each engine's
// `system service` (berth's and podman's), and a burst of concurrent
// listings over raw HTTP.

const (
	apiConcurrency = 50
	apiListCtrs    = 100
	apiListRounds  = 10
)

// service is an engine's API service on a unix socket in its directory.
type service struct {
	cmd  *exec.Cmd
	sock string
	http *http.Client
}

func startService(ctx context.Context, e *engine) (*service, error) {
	sock := filepath.Join(e.dir, "api.sock")
	args := append(append([]string{}, e.global...), "system", "service", "--time", "0", "unix://"+sock)
	cmd := exec.Command(e.bin, args...)
	cmd.Env = e.env
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &service{cmd: cmd, sock: sock, http: &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: apiConcurrency,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := s.http.Get("http://d/_ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("%s system service did not answer /_ping: %v", e.name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the service (its process group, by the pid we started).
func (s *service) stop() {
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// docker runs the docker CLI against the service and returns its wall time.
func (s *service) docker(ctx context.Context, dir string, args ...string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+s.sock, "DOCKER_CONFIG="+filepath.Join(dir, "docker-config"))
	out, _ := os.CreateTemp(dir, "docker-out-")
	if out != nil {
		defer os.Remove(out.Name())
		defer out.Close()
		cmd.Stdout, cmd.Stderr = out, out
	}
	start := time.Now()
	err := cmd.Run()
	return time.Since(start), err
}

// measureAPI takes the API figures for every engine; the image must be
// loaded already (measureEngine does it).
func measureAPI(ctx context.Context, engines []*engine, cfg config) []*figure {
	runName := "API: docker run --rm --network none true"
	listName := fmt.Sprintf("API: GET /containers/json, %d concurrent, %d containers", apiConcurrency, apiListCtrs)
	runFig := &figure{name: runName, unit: "ms", results: map[string]result{}}
	listFig := &figure{name: listName, unit: "ms", stat: "p99", results: map[string]result{}}
	if _, err := exec.LookPath("docker"); err != nil {
		for _, e := range engines {
			runFig.results[e.name] = result{skip: "skipped: no docker CLI"}
			listFig.results[e.name] = result{skip: "skipped: no docker CLI"}
		}
		return []*figure{runFig, listFig}
	}
	for _, e := range engines {
		fmt.Fprintf(os.Stderr, "measuring %s API service...\n", e.name)
		if err := e.load(ctx, cfg.archive, image); err != nil {
			runFig.results[e.name], listFig.results[e.name] = result{err: err}, result{err: err}
			continue
		}
		s, err := startService(ctx, e)
		if err != nil {
			runFig.results[e.name], listFig.results[e.name] = result{err: err}, result{err: err}
			continue
		}
		runFig.results[e.name] = latency(ctx, cfg, func() (time.Duration, error) {
			d, err := s.docker(ctx, e.dir, "run", "--rm", "--network", "none", image, "true")
			if err != nil {
				return d, fmt.Errorf("%s: docker run through the API: %w", e.name, err)
			}
			return d, nil
		})
		listFig.results[e.name] = measureListings(ctx, e, s)
		s.stop()
		if _, _, err := e.run(ctx, append([]string{"rm", "-fa"}, e.rmFlags...)...); err != nil {
			fmt.Fprintf(os.Stderr, "%v\n", err)
		}
	}
	return []*figure{runFig, listFig}
}

// measureListings creates apiListCtrs containers, then sends rounds of
// apiConcurrency simultaneous listings and returns the 99th percentile of
// their latencies.
func measureListings(ctx context.Context, e *engine, s *service) result {
	for i := 0; i < apiListCtrs; i++ {
		if _, _, err := e.run(ctx, "create", "--network", "none", image, "true"); err != nil {
			return result{err: err}
		}
	}
	var mu sync.Mutex
	var ds []time.Duration
	var firstErr error
	for round := 0; round < apiListRounds+1; round++ {
		var wg sync.WaitGroup
		for i := 0; i < apiConcurrency; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := time.Now()
				resp, err := s.http.Get("http://d/containers/json?all=1")
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				d := time.Since(t0)
				mu.Lock()
				defer mu.Unlock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if round > 0 { // round 0 warms up connections and caches
					ds = append(ds, d)
				}
			}()
		}
		wg.Wait()
	}
	if firstErr != nil {
		return result{err: fmt.Errorf("%s: /containers/json: %w", e.name, firstErr)}
	}
	if len(ds) == 0 {
		return result{err: errors.New("no listing measured")}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return result{value: ms(ds[(len(ds)*99+99)/100-1]), n: len(ds)}
}
