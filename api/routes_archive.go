package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/moby/moby/api/types/container"

	"github.com/berthproject/berth/engine"
	"github.com/berthproject/berth/engine/spec"
)

// pathStatHeader sends docker's X-Docker-Container-Path-Stat for p; a
// missing path is a 404, as docker answers.
func (s *Server) pathStatHeader(w http.ResponseWriter, r *http.Request) (*engine.Container, string, error) {
	c, err := s.lookup(r)
	if err != nil {
		return nil, "", err
	}
	p := r.URL.Query().Get("path")
	if p == "" {
		return nil, "", badRequestf("path is required")
	}
	st, err := c.StatPath(r.Context(), p)
	if err != nil {
		return nil, "", err
	}
	b, err := json.Marshal(container.PathStat{Name: st.Name, Size: st.Size, Mode: st.Mode, Mtime: st.ModTime, LinkTarget: st.LinkTarget})
	if err != nil {
		return nil, "", err
	}
	w.Header().Set("X-Docker-Container-Path-Stat", base64.StdEncoding.EncodeToString(b))
	return c, p, nil
}

// HEAD /containers/{id}/archive?path=
func (s *Server) statArchive(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := s.pathStatHeader(w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// GET /containers/{id}/archive?path=: a tar of the path, named after its
// last element (`docker cp CTR:PATH ...`), through the same engine Copy as
// `berth cp CTR:PATH -`.
func (s *Server) getArchive(w http.ResponseWriter, r *http.Request) error {
	c, p, err := s.pathStatHeader(w, r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-tar")
	sw := &startedWriter{w: w}
	err = s.rt.Copy(r.Context(), engine.CopyOptions{SrcContainer: c.ID(), SrcPath: p, DstPath: "-", Stdout: sw})
	if err != nil && !sw.started {
		return err
	}
	return nil
}

// PUT /containers/{id}/archive?path=&copyUIDGID=: extracts the request's
// tar into the directory path (`docker cp ... CTR:PATH`), as
// `berth cp - CTR:PATH` does.
func (s *Server) putArchive(w http.ResponseWriter, r *http.Request) error {
	c, p, err := s.pathStatHeader(w, r)
	if err != nil {
		return err
	}
	err = s.rt.Copy(r.Context(), engine.CopyOptions{DstContainer: c.ID(), DstPath: p, SrcPath: "-", Stdin: r.Body,
		Archive: boolParam(r, "copyUIDGID")})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// GET /containers/{id}/changes
func (s *Server) containerChanges(w http.ResponseWriter, r *http.Request) error {
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	chs, err := c.Diff(r.Context())
	if err != nil {
		return err
	}
	kinds := map[string]container.ChangeType{"C": container.ChangeModify, "A": container.ChangeAdd, "D": container.ChangeDelete}
	out := make([]container.FilesystemChange, 0, len(chs))
	for _, ch := range chs {
		out = append(out, container.FilesystemChange{Path: ch.Path, Kind: kinds[ch.Kind]})
	}
	return writeJSON(w, http.StatusOK, out)
}

// POST /containers/{id}/update: resource limits, live for a running
// container (Container.Update, as `berth update`).
func (s *Server) updateContainer(w http.ResponseWriter, r *http.Request) error {
	var req container.UpdateConfig
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.RestartPolicy.Name != "" {
		return badRequestf("updating the restart policy is not supported by berth yet")
	}
	if len(req.Ulimits) > 0 {
		return badRequestf("updating ulimits is not supported: they apply at start")
	}
	var cs engine.ContainerSpec
	if err := applyResources(&cs, req.Resources); err != nil {
		return err
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	res := spec.Resources{}
	if cs.Resources != nil {
		res = *cs.Resources
	}
	if err := c.Update(r.Context(), res); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, container.UpdateResponse{Warnings: []string{}})
}

// POST /containers/{id}/rename?name=
func (s *Server) renameContainer(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimPrefix(r.URL.Query().Get("name"), "/")
	if name == "" {
		return badRequestf("name is required")
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	if err := c.Rename(r.Context(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
