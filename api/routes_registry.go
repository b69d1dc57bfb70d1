package api

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/distribution/reference"
	"github.com/moby/moby/api/types/registry"
	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/types"

	"github.com/berthproject/berth/engine"
)

// Registry operations of the image API: pull (POST /images/create), push,
// commit, prune and search. Progress goes to the client as docker's JSON
// message stream.

// progressStream is docker's JSON message stream, begun lazily: a failure
// before the first message is still an ordinary HTTP error (docker's 404
// for an image the registry lacks), one after it an error message in the
// stream.
type progressStream struct {
	w       http.ResponseWriter
	mu      sync.Mutex
	js      *jsonStream
	push    bool     // the words of a push, not a pull
	layers  []string // "Copying blob" ids seen, for "Pull complete"/"Pushed"
	wmu     sync.Mutex
	partial string // a line not yet ended
}

// jsonMessage is one message of the stream (the fields of docker's
// jsonmessage.JSONMessage that berth fills).
type jsonMessage struct {
	Status      string       `json:"status,omitempty"`
	ID          string       `json:"id,omitempty"`
	Error       string       `json:"error,omitempty"`
	ErrorDetail *errorDetail `json:"errorDetail,omitempty"`
	Aux         any          `json:"aux,omitempty"`
}

type errorDetail struct {
	Message string `json:"message"`
}

func (p *progressStream) send(m jsonMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.js == nil {
		p.js = newJSONStream(p.w)
	}
	_ = p.js.send(m)
}

// started reports whether the response is under way.
func (p *progressStream) started() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.js != nil
}

// Write takes the image library's text report (one line per event when it
// does not write to a terminal) and sends each line as a status message;
// a blob line becomes docker's per-layer message with the blob's short
// digest as id.
func (p *progressStream) Write(b []byte) (int, error) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.partial += string(b)
	for {
		line, rest, ok := strings.Cut(p.partial, "\n")
		if !ok {
			break
		}
		p.partial = rest
		p.line(strings.TrimSpace(line))
	}
	return len(b), nil
}

func (p *progressStream) line(line string) {
	if line == "" {
		return
	}
	if blob, ok := strings.CutPrefix(line, "Copying blob "); ok {
		id, state, _ := strings.Cut(blob, " ")
		id = shortBlobID(id)
		switch {
		case strings.Contains(state, "already exists"):
			if p.push {
				p.send(jsonMessage{Status: "Layer already exists", ID: id})
			} else {
				p.send(jsonMessage{Status: "Already exists", ID: id})
			}
		case state == "" || state == "done":
			if state == "" && p.push {
				p.send(jsonMessage{Status: "Preparing", ID: id})
			} else if state == "" {
				p.send(jsonMessage{Status: "Pulling fs layer", ID: id})
			}
			p.mu.Lock()
			p.layers = append(p.layers, id)
			p.mu.Unlock()
		default:
			p.send(jsonMessage{Status: line})
		}
		return
	}
	p.send(jsonMessage{Status: line})
}

// shortBlobID is docker's 12-hex id of a layer in progress messages.
func shortBlobID(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}

// fail ends the stream with err: as an HTTP error when nothing was sent
// yet, else as docker's error message.
func (p *progressStream) fail(r *http.Request, err error) error {
	if !p.started() {
		return err
	}
	p.send(jsonMessage{Error: err.Error(), ErrorDetail: &errorDetail{Message: err.Error()}})
	return nil
}

// registryOptions reads X-Registry-Auth (base64url JSON of docker's
// AuthConfig) into credentials, and treats a registry on a loopback
// address as insecure (plain HTTP allowed), as dockerd does by default for
// 127.0.0.0/8.
func registryOptions(r *http.Request, named reference.Named) (engine.RegistryOptions, error) {
	var o engine.RegistryOptions
	if h := r.Header.Get("X-Registry-Auth"); h != "" {
		raw, err := base64.URLEncoding.DecodeString(h)
		if err != nil {
			raw, err = base64.RawURLEncoding.DecodeString(h)
		}
		if err != nil {
			return o, badRequestf("invalid X-Registry-Auth header: %v", err)
		}
		var ac registry.AuthConfig
		if len(strings.TrimSpace(string(raw))) > 0 && string(raw) != "{}" {
			if err := json.Unmarshal(raw, &ac); err != nil {
				return o, badRequestf("invalid X-Registry-Auth header: %v", err)
			}
		}
		if ac.IdentityToken != "" || ac.RegistryToken != "" {
			return o, badRequestf("token authentication (X-Registry-Auth identitytoken/registrytoken) is not supported by berth yet")
		}
		if ac.Username != "" {
			o.Creds = ac.Username + ":" + ac.Password
		}
	}
	if isLoopbackRegistry(reference.Domain(named)) {
		o.TLSVerify = types.OptionalBoolFalse
	}
	return o, nil
}

func isLoopbackRegistry(domain string) bool {
	host := domain
	if h, _, err := net.SplitHostPort(domain); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// POST /images/create?fromImage&tag&platform (pull). An empty tag on a
// name without one pulls all tags, as the API says (the docker CLI always
// sends one). Names are docker's: "busybox" is docker.io/library/busybox.
func (s *Server) pullImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("fromSrc") != "" {
		return s.importImage(w, r)
	}
	from, tag := q.Get("fromImage"), q.Get("tag")
	if from == "" {
		return badRequestf("fromImage or fromSrc is required")
	}
	named, err := reference.ParseNormalizedNamed(from)
	if err != nil {
		return badRequestf("invalid reference format %q: %v", from, err)
	}
	allTags := false
	if tag != "" {
		if strings.HasPrefix(tag, "sha256:") {
			named, err = reference.WithDigest(reference.TrimNamed(named), digest.Digest(tag))
		} else {
			named, err = reference.WithTag(reference.TrimNamed(named), tag)
		}
		if err != nil {
			return badRequestf("invalid tag %q: %v", tag, err)
		}
	} else if reference.IsNameOnly(named) {
		allTags = true
	}
	o, err := registryOptions(r, named)
	if err != nil {
		return err
	}
	if p := q.Get("platform"); p != "" {
		parts := strings.Split(p, "/")
		if len(parts) < 2 || len(parts) > 3 {
			return badRequestf("invalid platform %q: os/arch[/variant]", p)
		}
		o.OS, o.Arch = parts[0], parts[1]
		if len(parts) == 3 {
			o.Variant = parts[2]
		}
	}
	ref := named.String()
	// "Downloaded newer image" when the name now means another image than
	// before (or none), as docker words it.
	before := map[string]string{}
	if list, err := s.rt.Images(r.Context()); err == nil {
		for _, img := range list {
			for _, n := range img.Names {
				before[n] = img.ID
			}
		}
	}
	ps := &progressStream{w: w}
	pulled, err := s.rt.Pull(r.Context(), ref, engine.PullOptions{RegistryOptions: o, AllTags: allTags, Progress: ps})
	if err != nil {
		return ps.fail(r, err)
	}
	for _, id := range ps.layers {
		ps.send(jsonMessage{Status: "Pull complete", ID: id})
	}
	news := false
	for _, p := range pulled {
		if p.Name == "" || before[p.Name] != p.ID {
			news = true
		}
		if img, err := s.rt.LookupImage(r.Context(), p.ID); err == nil && img.Digest != "" && !allTags {
			ps.send(jsonMessage{Status: "Digest: " + img.Digest})
		}
	}
	name := ref
	if allTags {
		name = reference.TrimNamed(named).String()
	}
	if news {
		ps.send(jsonMessage{Status: "Status: Downloaded newer image for " + name})
	} else {
		ps.send(jsonMessage{Status: "Status: Image is up to date for " + name})
	}
	return nil
}

// POST /images/create?fromSrc=-&repo&tag&message&changes: the body is a
// root file system tarball (docker import).
func (s *Server) importImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("fromSrc") != "-" {
		return badRequestf("fromSrc %q: only - (the request body) is supported by berth", q.Get("fromSrc"))
	}
	name := q.Get("repo")
	if name != "" && q.Get("tag") != "" {
		name += ":" + q.Get("tag")
	}
	f, err := os.CreateTemp("", "berth-import-*.tar")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, r.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return badRequestf("reading the tarball: %v", err)
	}
	id, err := s.rt.ImportImage(r.Context(), f.Name(), engine.ImportOptions{Name: name, Changes: q["changes"], Message: q.Get("message")})
	if err != nil {
		return err
	}
	ps := &progressStream{w: w}
	ps.send(jsonMessage{Status: imageID(id)})
	return nil
}

// POST /images/{name}/push?tag: to the registry the name says.
func (s *Server) pushImage(w http.ResponseWriter, r *http.Request, name string) error {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return badRequestf("invalid reference format %q: %v", name, err)
	}
	if tag := r.URL.Query().Get("tag"); tag != "" {
		if named, err = reference.WithTag(reference.TrimNamed(named), tag); err != nil {
			return badRequestf("invalid tag %q: %v", tag, err)
		}
	}
	named = reference.TagNameOnly(named)
	o, err := registryOptions(r, named)
	if err != nil {
		return err
	}
	ref := named.String()
	// The local image: berth's own name for it first, then docker's.
	local := ref
	if _, err := s.rt.LookupImage(r.Context(), local); err != nil {
		local = name
		if _, err := s.rt.LookupImage(r.Context(), local); err != nil {
			return err
		}
	}
	ps := &progressStream{w: w, push: true}
	ps.send(jsonMessage{Status: "The push refers to repository [" + reference.TrimNamed(named).String() + "]"})
	d, err := s.rt.Push(r.Context(), local, "docker://"+ref, engine.PushOptions{RegistryOptions: o, Progress: ps})
	if err != nil {
		return ps.fail(r, err)
	}
	for _, id := range ps.layers {
		ps.send(jsonMessage{Status: "Pushed", ID: id})
	}
	tag := ""
	if t, ok := named.(reference.Tagged); ok {
		tag = t.Tag()
	}
	ps.send(jsonMessage{Status: tag + ": digest: " + d.String()})
	ps.send(jsonMessage{Aux: map[string]any{"Tag": tag, "Digest": d.String()}})
	return nil
}

// POST /commit?container&repo&tag&comment&author&pause&changes
func (s *Server) commitContainer(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var cfg map[string]any
	if err := decodeJSON(w, r, &cfg); err != nil {
		return err
	}
	for k, v := range cfg {
		if v != nil && !isZeroJSON(v) {
			return badRequestf("commit: the container config in the body (%s) is not supported by berth; use changes=", k)
		}
	}
	name := q.Get("repo")
	if name != "" && q.Get("tag") != "" {
		name += ":" + q.Get("tag")
	}
	pause := true
	if v := q.Get("pause"); v != "" {
		pause = boolParam(r, "pause")
	}
	id, err := s.rt.Commit(r.Context(), q.Get("container"), engine.CommitOptions{
		Name: name, Changes: q["changes"], Message: q.Get("comment"), Author: q.Get("author"), Pause: pause,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"Id": imageID(id)})
}

// isZeroJSON reports whether a decoded JSON value is empty ("", 0, false,
// [], {}).
func isZeroJSON(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case float64:
		return x == 0
	case bool:
		return !x
	case []any:
		return len(x) == 0
	case map[string]any:
		for _, e := range x {
			if e != nil && !isZeroJSON(e) {
				return false
			}
		}
		return true
	}
	return false
}

// POST /images/prune?filters={"dangling":["false"]}: dangling images, or
// every unused one. SpaceReclaimed stays 0: the engine does not report
// which layers the removal freed (an image's size counts shared ones).
func (s *Server) pruneImages(w http.ResponseWriter, r *http.Request) error {
	filters, err := filterParam(r)
	if err != nil {
		return err
	}
	all := false
	for _, f := range filters {
		switch f {
		case "dangling=true", "dangling=1":
		case "dangling=false", "dangling=0":
			all = true
		default:
			return badRequestf("invalid filter %q: images prune takes dangling only in berth", f)
		}
	}
	ids, err := s.rt.PruneImages(r.Context(), all)
	if err != nil {
		return err
	}
	resp := struct {
		ImagesDeleted  []map[string]string
		SpaceReclaimed int64
	}{ImagesDeleted: []map[string]string{}}
	for _, id := range ids {
		resp.ImagesDeleted = append(resp.ImagesDeleted, map[string]string{"Deleted": imageID(id)})
	}
	return writeJSON(w, http.StatusOK, resp)
}

// GET /images/search?term&limit: term may start with a registry
// ("127.0.0.1:5000/app"); without one, registries.conf's search list.
func (s *Server) searchImages(w http.ResponseWriter, r *http.Request) error {
	term := r.URL.Query().Get("term")
	if term == "" {
		return badRequestf("term is required")
	}
	limit, err := intParam(r, "limit", 25)
	if err != nil {
		return err
	}
	filters, err := filterParam(r)
	if err != nil {
		return err
	}
	if len(filters) > 0 {
		return badRequestf("search filters are not supported by berth yet")
	}
	reg := ""
	if host, rest, ok := strings.Cut(term, "/"); ok && (strings.ContainsAny(host, ".:") || host == "localhost") {
		reg, term = host, rest
	}
	var o engine.RegistryOptions
	if isLoopbackRegistry(reg) {
		o.TLSVerify = types.OptionalBoolFalse
	}
	res, err := s.rt.Search(r.Context(), reg, term, limit, o)
	if err != nil {
		return err
	}
	out := make([]registry.SearchResult, 0, len(res))
	for _, x := range res {
		out = append(out, registry.SearchResult{Name: x.Name, Description: x.Description, StarCount: x.Stars, IsOfficial: x.Official})
	}
	return writeJSON(w, http.StatusOK, out)
}

// POST /auth: checks the credentials with the registry (docker login).
// As with dockerd, nothing is stored on the server side: the client keeps
// the credentials and sends them in X-Registry-Auth.
func (s *Server) checkAuth(w http.ResponseWriter, r *http.Request) error {
	var ac registry.AuthConfig
	if err := decodeJSON(w, r, &ac); err != nil {
		return err
	}
	if ac.Username == "" {
		return badRequestf("login: a user name is required (token logins are not supported by berth yet)")
	}
	server := strings.TrimPrefix(strings.TrimPrefix(ac.ServerAddress, "https://"), "http://")
	server = strings.TrimSuffix(server, "/")
	if server == "" || strings.Contains(server, "index.docker.io") {
		server = "docker.io"
	}
	dir, err := os.MkdirTemp("", "berth-auth-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	o := engine.RegistryOptions{AuthFile: dir + "/auth.json", AuthFileExplicit: true}
	if isLoopbackRegistry(server) {
		o.TLSVerify = types.OptionalBoolFalse
	}
	if err := s.rt.Login(r.Context(), server, ac.Username, ac.Password, o); err != nil {
		return &httpError{http.StatusUnauthorized, err.Error()}
	}
	return writeJSON(w, http.StatusOK, registry.AuthResponse{Status: "Login Succeeded"})
}
