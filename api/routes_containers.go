package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/berthproject/berth/engine"
)

func (s *Server) containerRoutes() {
	s.handle("GET /containers/json", s.listContainers)
	s.handle("POST /containers/create", s.createContainer)
	s.handle("GET /containers/{id}/json", s.inspectContainer)
	s.handle("POST /containers/{id}/start", s.startContainer)
	s.handle("POST /containers/{id}/stop", s.stopContainer)
	s.handle("POST /containers/{id}/restart", s.restartContainer)
	s.handle("POST /containers/{id}/kill", s.killContainer)
	s.handle("POST /containers/{id}/pause", s.containerAction((*engine.Container).Pause))
	s.handle("POST /containers/{id}/unpause", s.containerAction((*engine.Container).Unpause))
	s.handle("POST /containers/{id}/wait", s.waitContainer)
	s.handle("POST /containers/{id}/resize", s.resizeContainer)
	s.handle("DELETE /containers/{id}", s.removeContainer)
	s.handle("GET /containers/{id}/export", s.exportContainer)
	s.handle("GET /containers/{id}/logs", s.containerLogs)
	s.handle("POST /containers/{id}/attach", s.attachContainer)
	s.handle("POST /containers/prune", s.pruneContainers)
}

// lookup finds the container named by the {id} path segment.
func (s *Server) lookup(r *http.Request) (*engine.Container, error) {
	return s.rt.LookupContainer(r.Context(), r.PathValue("id"))
}

// GET /containers/json?all&limit&size&filters
func (s *Server) listContainers(w http.ResponseWriter, r *http.Request) error {
	filters, err := filterParam(r)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", 0)
	if err != nil {
		return err
	}
	if limit < 0 {
		limit = 0
	}
	list, err := s.rt.ListContainers(r.Context(), engine.ListOptions{
		All: boolParam(r, "all"), Last: limit, Filters: filters, Size: boolParam(r, "size"), Networks: true,
	})
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]container.Summary, 0, len(list))
	for i := range list {
		out = append(out, summary(&list[i], now))
	}
	return writeJSON(w, http.StatusOK, out)
}

// GET /containers/{id}/json
func (s *Server) inspectContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	d, err := c.Inspect(r.Context())
	if err != nil {
		return err
	}
	out := inspectResponse(d)
	atts, err := c.NetworkAttachments(r.Context())
	if err != nil {
		return err
	}
	// Networks the container joins but has no live endpoint on (not
	// running): docker lists them too, with their aliases.
	for _, a := range atts {
		if _, ok := out.NetworkSettings.Networks[a.Network]; !ok {
			out.NetworkSettings.Networks[a.Network] = &network.EndpointSettings{Aliases: a.Aliases}
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// POST /containers/{id}/start: 204, or 304 when it runs already.
func (s *Server) startContainer(w http.ResponseWriter, r *http.Request) error {
	if q := r.URL.Query().Get("checkpoint"); q != "" {
		return badRequestf("checkpoints are not supported by berth")
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	running, err := c.StartDetached(r.Context())
	if err != nil {
		return err
	}
	if running {
		return errNotModified
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// timeoutParam reads ?t= (seconds; negative means wait forever in docker,
// which the engine approximates with a very long grace).
func timeoutParam(r *http.Request) (*uint, error) {
	v := r.URL.Query().Get("t")
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, badRequestf("invalid t %q: not an integer", v)
	}
	t := uint(n)
	if n < 0 {
		t = 1 << 31
	}
	return &t, nil
}

// POST /containers/{id}/stop?t=N: 204, or 304 when it was not running.
func (s *Server) stopContainer(w http.ResponseWriter, r *http.Request) error {
	if sig := r.URL.Query().Get("signal"); sig != "" {
		return badRequestf("stop with a signal other than the container's stop signal is not supported by berth yet")
	}
	t, err := timeoutParam(r)
	if err != nil {
		return err
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	if t != nil {
		err = c.StopWithTimeout(r.Context(), *t)
	} else {
		err = c.Stop(r.Context())
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// POST /containers/{id}/restart?t=N
func (s *Server) restartContainer(w http.ResponseWriter, r *http.Request) error {
	t, err := timeoutParam(r)
	if err != nil {
		return err
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	if err := c.Restart(r.Context(), t); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// POST /containers/{id}/kill?signal=SIG (default SIGKILL)
func (s *Server) killContainer(w http.ResponseWriter, r *http.Request) error {
	name := r.URL.Query().Get("signal")
	if name == "" {
		name = "SIGKILL"
	}
	sig, err := engine.ParseSignal(name)
	if err != nil {
		return badRequestf("invalid signal %q: %v", name, err)
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	if err := c.Kill(r.Context(), sig); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// containerAction is the handler of an endpoint that applies one
// parameterless lifecycle method and answers 204 (pause, unpause).
func (s *Server) containerAction(act func(*engine.Container, context.Context) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.lookup(r)
		if err != nil {
			return err
		}
		if err := act(c, r.Context()); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// POST /containers/{id}/wait?condition=not-running|next-exit|removed. The
// headers go out as soon as the wait is set up, so that a client can start
// the container next (docker run does create, attach, wait, start); the
// body follows when the condition holds.
func (s *Server) waitContainer(w http.ResponseWriter, r *http.Request) error {
	cond, err := engine.ParseWaitCondition(r.URL.Query().Get("condition"))
	if err != nil {
		return err
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	code, err := c.WaitFor(r.Context(), cond)
	resp := container.WaitResponse{StatusCode: int64(code)}
	if err != nil {
		if r.Context().Err() != nil {
			return nil // the client left
		}
		resp.Error = &container.WaitExitError{Message: err.Error()}
	}
	return jsonEncode(w, resp)
}

// POST /containers/{id}/resize?h=&w=
func (s *Server) resizeContainer(w http.ResponseWriter, r *http.Request) error {
	h, err := intParam(r, "h", 0)
	if err != nil {
		return err
	}
	wd, err := intParam(r, "w", 0)
	if err != nil {
		return err
	}
	if h < 0 || wd < 0 || h > 65535 || wd > 65535 {
		return badRequestf("invalid terminal size %dx%d", h, wd)
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	if err := c.ResizeTTY(r.Context(), uint16(h), uint16(wd)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// DELETE /containers/{id}?force&v
func (s *Server) removeContainer(w http.ResponseWriter, r *http.Request) error {
	if boolParam(r, "link") {
		return badRequestf("links are not supported by berth")
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	if err := c.Remove(r.Context(), engine.RemoveOptions{Force: boolParam(r, "force"), Volumes: boolParam(r, "v")}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// GET /containers/{id}/export: the root file system as a tar stream.
func (s *Server) exportContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-tar")
	// Errors after the first byte cannot change the status any more; the
	// client sees a truncated archive.
	sw := &startedWriter{w: w}
	if err := c.Export(r.Context(), sw); err != nil && !sw.started {
		return err
	}
	return nil
}

// POST /containers/prune?filters
func (s *Server) pruneContainers(w http.ResponseWriter, r *http.Request) error {
	filters, err := filterParam(r)
	if err != nil {
		return err
	}
	rep, err := s.rt.PruneContainers(r.Context(), filters)
	if err != nil {
		return err
	}
	out := container.PruneReport{ContainersDeleted: rep.Removed, SpaceReclaimed: uint64(rep.Space)}
	if out.ContainersDeleted == nil {
		out.ContainersDeleted = []string{}
	}
	return writeJSON(w, http.StatusOK, out)
}

// startedWriter records whether anything was written, so that an error
// before the first byte still becomes a proper error response.
type startedWriter struct {
	w       http.ResponseWriter
	started bool
}

func (s *startedWriter) Write(p []byte) (int, error) {
	if len(p) > 0 && !s.started {
		s.started = true
		s.w.WriteHeader(http.StatusOK)
	}
	return s.w.Write(p)
}
