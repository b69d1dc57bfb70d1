package api

import (
	"net/http"
	"strings"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/moby/moby/api/types/image"

	"github.com/berthproject/berth/engine"
)

func (s *Server) imageRoutes() {
	s.handle("GET /images/json", s.listImages)
	s.handle("GET /images/get", s.saveImages)
	s.handle("POST /images/load", s.loadImages)
	s.handle("POST /images/create", s.pullImage)
	s.handle("POST /images/prune", s.pruneImages)
	s.handle("GET /images/search", s.searchImages)
	s.handle("POST /commit", s.commitContainer)
	s.handle("POST /auth", s.checkAuth)
	// Image names hold slashes ("localhost/busybox:latest"), so the routes
	// below take the rest of the path and split off the action.
	s.handle("GET /images/{rest...}", s.imageGet)
	s.handle("POST /images/{rest...}", s.imagePost)
	s.handle("DELETE /images/{rest...}", s.removeImage)
}

// imageRef turns a path or query image reference into the engine's form:
// docker clients send IDs as "sha256:<hex>".
func imageRef(ref string) string {
	return strings.TrimPrefix(ref, "sha256:")
}

// splitAction splits "NAME/ACTION" for the actions given.
func splitAction(rest string, actions ...string) (name, action string) {
	for _, a := range actions {
		if n, ok := strings.CutSuffix(rest, "/"+a); ok && n != "" {
			return n, a
		}
	}
	return rest, ""
}

func (s *Server) imageGet(w http.ResponseWriter, r *http.Request) error {
	name, action := splitAction(r.PathValue("rest"), "json", "history", "get")
	switch action {
	case "json":
		return s.inspectImage(w, r, name)
	case "history":
		return s.imageHistory(w, r, name)
	case "get":
		return s.writeImageArchive(w, r, []string{name})
	}
	return notFoundf("page not found")
}

func (s *Server) imagePost(w http.ResponseWriter, r *http.Request) error {
	name, action := splitAction(r.PathValue("rest"), "tag", "push")
	switch action {
	case "tag":
		return s.tagImage(w, r, name)
	case "push":
		return s.pushImage(w, r, name)
	}
	return notFoundf("page not found")
}

func imageSummary(img engine.Image) image.Summary {
	sum := image.Summary{
		ID:          imageID(img.ID),
		RepoTags:    img.Names,
		RepoDigests: []string{},
		Created:     img.Created.Unix(),
		Size:        img.Size,
		SharedSize:  -1,
		Containers:  -1,
		Labels:      img.Labels,
	}
	if sum.RepoTags == nil {
		sum.RepoTags = []string{}
	}
	if sum.Labels == nil {
		sum.Labels = map[string]string{}
	}
	if img.Digest != "" {
		for _, n := range img.Names {
			repo := n
			if i := strings.LastIndex(n, ":"); i > strings.LastIndex(n, "/") {
				repo = n[:i]
			}
			sum.RepoDigests = append(sum.RepoDigests, repo+"@"+img.Digest)
		}
	}
	return sum
}

// GET /images/json?filters (dangling, label, reference)
func (s *Server) listImages(w http.ResponseWriter, r *http.Request) error {
	filters, err := filterParam(r)
	if err != nil {
		return err
	}
	list, err := s.rt.Images(r.Context())
	if err != nil {
		return err
	}
	if list, err = engine.FilterImages(list, filters); err != nil {
		return err
	}
	out := make([]image.Summary, 0, len(list))
	for _, img := range list {
		out = append(out, imageSummary(img))
	}
	return writeJSON(w, http.StatusOK, out)
}

// GET /images/{name}/json
func (s *Server) inspectImage(w http.ResponseWriter, r *http.Request, name string) error {
	d, err := s.rt.InspectImage(r.Context(), imageRef(name))
	if err != nil {
		return err
	}
	img, err := s.rt.LookupImage(r.Context(), imageRef(name))
	if err != nil {
		return err
	}
	sum := imageSummary(img)
	resp := image.InspectResponse{
		ID:           imageID(d.ID),
		RepoTags:     sum.RepoTags,
		RepoDigests:  sum.RepoDigests,
		Created:      dockerTime(d.Created),
		Config:       &dockerspec.DockerOCIImageConfig{ImageConfig: d.Config},
		Architecture: d.Architecture,
		Os:           d.Os,
		Size:         d.Size,
		RootFS:       image.RootFS{Type: d.RootFS.Type},
	}
	for _, l := range d.RootFS.DiffIDs {
		resp.RootFS.Layers = append(resp.RootFS.Layers, l.String())
	}
	for i := len(d.History) - 1; i >= 0; i-- {
		if c := d.History[i].Comment; c != "" {
			resp.Comment = c
			break
		}
	}
	return writeJSON(w, http.StatusOK, resp)
}

// GET /images/{name}/history: newest first, from the image config.
func (s *Server) imageHistory(w http.ResponseWriter, r *http.Request, name string) error {
	ref := imageRef(name)
	hist, err := s.rt.ImageHistory(r.Context(), ref)
	if err != nil {
		return err
	}
	img, err := s.rt.LookupImage(r.Context(), ref)
	if err != nil {
		return err
	}
	out := make([]image.HistoryResponseItem, 0, len(hist))
	for _, h := range hist {
		item := image.HistoryResponseItem{ID: "<missing>", Created: h.Created.Unix(), CreatedBy: h.CreatedBy,
			Comment: h.Comment, Size: h.Size, Tags: []string{}}
		if h.ID != "" {
			item.ID = imageID(h.ID)
			if h.ID == img.ID && img.Names != nil {
				item.Tags = img.Names
			}
		}
		out = append(out, item)
	}
	return writeJSON(w, http.StatusOK, out)
}

// POST /images/{name}/tag?repo=REPO&tag=TAG: 201.
func (s *Server) tagImage(w http.ResponseWriter, r *http.Request, name string) error {
	repo, tag := r.URL.Query().Get("repo"), r.URL.Query().Get("tag")
	if repo == "" {
		return badRequestf("repo is required")
	}
	target := repo
	if tag != "" {
		target += ":" + tag
	}
	if err := s.rt.TagImage(r.Context(), imageRef(name), target); err != nil {
		return err
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}

// DELETE /images/{name}?force
func (s *Server) removeImage(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("rest")
	rep, err := s.rt.RemoveImage(r.Context(), imageRef(name), boolParam(r, "force"))
	if err != nil {
		return err
	}
	out := []image.DeleteResponse{}
	for _, u := range rep.Untagged {
		out = append(out, image.DeleteResponse{Untagged: u})
	}
	if rep.Deleted != "" {
		out = append(out, image.DeleteResponse{Deleted: imageID(rep.Deleted)})
	}
	return writeJSON(w, http.StatusOK, out)
}

// GET /images/get?names=A&names=B: one docker-archive of all of them.
func (s *Server) saveImages(w http.ResponseWriter, r *http.Request) error {
	names := r.URL.Query()["names"]
	if len(names) == 0 {
		return badRequestf("names is required")
	}
	return s.writeImageArchive(w, r, names)
}

func (s *Server) writeImageArchive(w http.ResponseWriter, r *http.Request, names []string) error {
	refs := make([]string, len(names))
	for i, n := range names {
		refs[i] = imageRef(n)
	}
	w.Header().Set("Content-Type", "application/x-tar")
	sw := &startedWriter{w: w}
	if err := s.rt.SaveImagesTo(r.Context(), refs, "docker-archive", sw); err != nil && !sw.started {
		return err
	}
	return nil
}

// loadMessage is one line of load's JSON stream.
type loadMessage struct {
	Stream      string `json:"stream,omitempty"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail,omitempty"`
	Error string `json:"error,omitempty"`
}

// POST /images/load?quiet: the body is an image archive; the answer is a
// JSON stream of "Loaded image: NAME" lines.
func (s *Server) loadImages(w http.ResponseWriter, r *http.Request) error {
	names, err := s.rt.LoadImageFrom(r.Context(), r.Body)
	if err != nil {
		return err
	}
	js := newJSONStream(w)
	for _, n := range names {
		js.send(loadMessage{Stream: "Loaded image: " + n + "\n"})
	}
	return nil
}
