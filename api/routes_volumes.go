package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/moby/moby/api/types/volume"

	"github.com/berthproject/berth/engine"
)

func (s *Server) volumeRoutes() {
	s.handle("GET /volumes", s.listVolumes)
	s.handle("POST /volumes/create", s.createVolume)
	s.handle("POST /volumes/prune", s.pruneVolumes)
	s.handle("GET /volumes/{name}", s.inspectVolume)
	s.handle("DELETE /volumes/{name}", s.removeVolume)
}

func volumeResp(v engine.VolumeInspect) volume.Volume {
	return volume.Volume{
		Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, CreatedAt: v.CreatedAt.Format(time.RFC3339),
		Labels: v.Labels, Options: v.Options, Scope: v.Scope,
	}
}

// GET /volumes?filters=: name, label, driver, dangling (the engine's
// filters, which include docker's).
func (s *Server) listVolumes(w http.ResponseWriter, r *http.Request) error {
	filters, err := filterParam(r)
	if err != nil {
		return err
	}
	list, err := s.rt.ListVolumes(r.Context(), filters)
	if err != nil {
		return err
	}
	resp := volume.ListResponse{Volumes: make([]volume.Volume, 0, len(list)), Warnings: []string{}}
	for _, v := range list {
		resp.Volumes = append(resp.Volumes, volumeResp(v))
	}
	return writeJSON(w, http.StatusOK, resp)
}

// POST /volumes/create: docker answers 201 with the volume, also when it
// existed already (create is idempotent in docker's API).
func (s *Server) createVolume(w http.ResponseWriter, r *http.Request) error {
	var req volume.CreateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.ClusterVolumeSpec != nil {
		return badRequestf("cluster volumes are not supported by berth")
	}
	v, err := s.rt.CreateVolume(r.Context(), engine.VolumeCreateOptions{
		Name: req.Name, Driver: req.Driver, Labels: req.Labels, Options: req.DriverOpts, IgnoreExisting: true,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, volumeResp(v.Inspect()))
}

// GET /volumes/{name}
func (s *Server) inspectVolume(w http.ResponseWriter, r *http.Request) error {
	v, err := s.rt.LookupVolume(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, volumeResp(v.Inspect()))
}

// DELETE /volumes/{name}?force=
func (s *Server) removeVolume(w http.ResponseWriter, r *http.Request) error {
	if err := s.rt.RemoveVolume(r.Context(), r.PathValue("name"), boolParam(r, "force")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// POST /volumes/prune?filters=: as docker since API 1.42, only anonymous
// volumes unless the filter all=true asks for named ones too.
func (s *Server) pruneVolumes(w http.ResponseWriter, r *http.Request) error {
	filters, err := filterParam(r)
	if err != nil {
		return err
	}
	all := false
	kept := filters[:0]
	for _, f := range filters {
		if k, v, _ := strings.Cut(f, "="); k == "all" {
			all = v == "true" || v == "1"
			continue
		}
		kept = append(kept, f)
	}
	if !all {
		kept = append(kept, "anonymous=true")
	}
	removed, err := s.rt.PruneVolumes(r.Context(), kept)
	if err != nil {
		return err
	}
	if removed == nil {
		removed = []string{}
	}
	return writeJSON(w, http.StatusOK, volume.PruneReport{VolumesDeleted: removed})
}
