// Package api serves the Docker Engine REST API over berth's engine, so that
// the docker CLI, the Python docker SDK and other Docker API clients drive
// berth with only DOCKER_HOST set. Wire types come from
// github.com/moby/moby/api; every handler calls the same engine functions
// the berth CLI calls and holds no engine logic itself.
package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/berthproject/berth/engine"
)

// API versions. APIVersion is the version of the wire types in go.mod
// (github.com/moby/moby/api v1.57.x serves API 1.57); responses always use
// those shapes. MinAPIVersion is the oldest version a client may ask for,
// the same floor as docker 25 to 28.
const (
	APIVersion    = "1.57"
	MinAPIVersion = "1.24"
)

// maxJSONBody bounds a JSON request body; a container create body is a few
// KiB. Archives (image load) are streamed and not bounded by it.
const maxJSONBody = 4 << 20

// Server is a Docker API server over one engine runtime. It is safe for
// concurrent requests: the engine locks per container and the state
// database serialises writes.
type Server struct {
	rt  *engine.Runtime
	mux *http.ServeMux

	// Idle tracking for --time: active counts requests in flight
	// (hijacked streams included, their handlers run until the stream ends).
	mu      sync.Mutex
	active  int
	touched time.Time
}

// New returns a server for rt.
func New(rt *engine.Runtime) *Server {
	s := &Server{rt: rt, mux: http.NewServeMux(), touched: time.Now()}
	s.routes()
	return s
}

func (s *Server) routes() {
	s.systemRoutes()
	s.containerRoutes()
	s.imageRoutes()
	s.volumeRoutes()
	s.networkRoutes()
	s.monitorRoutes()
	s.execRoutes()
}

// handle registers a handler that returns an error; the error becomes the
// response through writeError (errors.go).
func (s *Server) handle(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, err)
		}
	})
}

// versionPrefix matches "/v1.44/..." and captures the version and the rest.
var versionPrefix = regexp.MustCompile(`^/v([0-9]+\.[0-9]+)(/.*)$`)

type versionKey struct{}

// ServeHTTP strips and checks the API version, sets docker's response
// headers, and dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.begin()
	defer s.end()
	h := w.Header()
	h.Set("Api-Version", APIVersion)
	h.Set("Docker-Experimental", "false")
	h.Set("Ostype", runtime.GOOS)
	h.Set("Server", "berth/"+engine.Version+" ("+runtime.GOOS+")")
	version := APIVersion
	if m := versionPrefix.FindStringSubmatch(r.URL.Path); m != nil {
		version = m[1]
		if err := checkVersion(version); err != nil {
			writeError(w, r, err)
			return
		}
		r.URL.Path = m[2]
		r.URL.RawPath = ""
	}
	r = r.WithContext(context.WithValue(r.Context(), versionKey{}, version))
	if _, pattern := s.mux.Handler(r); pattern == "" {
		writeError(w, r, notFoundf("page not found"))
		return
	}
	logrus.Debugf("api: %s %s", r.Method, r.URL.RequestURI())
	s.mux.ServeHTTP(w, r)
}

// checkVersion rejects versions outside [MinAPIVersion, APIVersion] with
// docker's wording.
func checkVersion(v string) error {
	switch {
	case compareVersions(v, MinAPIVersion) < 0:
		return badRequestf("client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", v, MinAPIVersion)
	case compareVersions(v, APIVersion) > 0:
		return badRequestf("client version %s is too new. Maximum supported API version is %s", v, APIVersion)
	}
	return nil
}

// compareVersions compares "major.minor" strings numerically.
func compareVersions(a, b string) int {
	pa, pb := strings.SplitN(a, ".", 2), strings.SplitN(b, ".", 2)
	for i := 0; i < 2; i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (s *Server) begin() {
	s.mu.Lock()
	s.active++
	s.mu.Unlock()
}

func (s *Server) end() {
	s.mu.Lock()
	s.active--
	s.touched = time.Now()
	s.mu.Unlock()
}

// idleFor reports how long no request has been in flight (0 while one is).
func (s *Server) idleFor() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active > 0 {
		return 0
	}
	return time.Since(s.touched)
}

// Serve answers requests on l until ctx ends or, when idle > 0, no request
// was in flight for that long. It returns nil on such an orderly end.
func (s *Server) Serve(ctx context.Context, l net.Listener, idle time.Duration) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          nil,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	var tick <-chan time.Time
	if idle > 0 {
		t := time.NewTicker(min(idle/4+time.Millisecond, time.Second))
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case err := <-errc:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return fmt.Errorf("serving API: %w", err)
		case <-ctx.Done():
			return s.shutdown(hs)
		case <-tick:
			if s.idleFor() >= idle {
				logrus.Infof("api: idle for %v, exiting", idle)
				return s.shutdown(hs)
			}
		}
	}
}

// shutdown stops accepting, lets requests in flight finish for a while,
// then closes what is left (streams such as logs -f end there).
func (s *Server) shutdown(hs *http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		hs.Close()
	}
	return nil
}
