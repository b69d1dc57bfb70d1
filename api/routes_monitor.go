package api

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/sirupsen/logrus"

	"github.com/berthproject/berth/engine"
)

func (s *Server) monitorRoutes() {
	s.handle("GET /events", s.events)
	s.handle("GET /containers/{id}/stats", s.containerStats)
	s.handle("GET /containers/{id}/changes", s.containerChanges)
	s.handle("HEAD /containers/{id}/archive", s.statArchive)
	s.handle("GET /containers/{id}/archive", s.getArchive)
	s.handle("PUT /containers/{id}/archive", s.putArchive)
	s.handle("POST /containers/{id}/update", s.updateContainer)
	s.handle("POST /containers/{id}/rename", s.renameContainer)
}

// eventMessage is docker's event shape, with the legacy status/id/from
// fields older clients read.
type eventMessage struct {
	Status   string     `json:"status,omitempty"`
	ID       string     `json:"id,omitempty"`
	From     string     `json:"from,omitempty"`
	Type     string     `json:"Type"`
	Action   string     `json:"Action"`
	Actor    eventActor `json:"Actor"`
	Scope    string     `json:"scope"`
	Time     int64      `json:"time"`
	TimeNano int64      `json:"timeNano"`
}

type eventActor struct {
	ID         string            `json:"ID"`
	Attributes map[string]string `json:"Attributes"`
}

// dockerActions are the event names where docker's vocabulary differs
// from berth's (podman's).
var dockerActions = map[string]string{"died": "die", "remove": "destroy"}

func toDockerEvent(e engine.Event) eventMessage {
	action := e.Status
	if a, ok := dockerActions[action]; ok {
		action = a
	}
	attrs := map[string]string{}
	for k, v := range e.Attributes {
		attrs[k] = v
	}
	if e.Name != "" {
		attrs["name"] = e.Name
	}
	if e.ExitCode != nil {
		attrs["exitCode"] = strconv.Itoa(*e.ExitCode)
	}
	id := e.ID
	if id == "" {
		id = e.Name // volumes are known by name
	}
	m := eventMessage{Type: e.Type, Action: action, Actor: eventActor{ID: id, Attributes: attrs},
		Scope: "local", Time: e.Time.Unix(), TimeNano: e.Time.UnixNano()}
	if e.Type == "container" {
		m.Status, m.ID, m.From = action, id, e.Image
		if e.Image != "" {
			attrs["image"] = e.Image
		}
	}
	return m
}

// GET /events?since&until&filters: the journal from since (default: now),
// then live until until (or until the client leaves), one JSON object per
// event.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	since, err := timeParam(r, "since")
	if err != nil {
		return err
	}
	until, err := timeParam(r, "until")
	if err != nil {
		return err
	}
	filters, err := filterParam(r)
	if err != nil {
		return err
	}
	for i, f := range filters {
		k, v, _ := strings.Cut(f, "=")
		if k != "event" && k != "status" {
			continue
		}
		for berth, docker := range dockerActions {
			if v == docker {
				filters[i] = k + "=" + berth
			}
		}
	}
	if since.IsZero() {
		// Without since, docker streams only what happens from now on.
		since = time.Now()
	}
	o := engine.EventOptions{Since: since, Until: until, Filters: filters,
		Follow: until.IsZero() || until.After(time.Now())}
	// Validate the filters before the 200 goes out.
	if err := s.rt.Events(r.Context(), engine.EventOptions{Since: time.Now().Add(time.Hour), Filters: filters},
		func(engine.Event) error { return nil }); err != nil {
		return err
	}
	js := newJSONStream(w)
	err = s.rt.Events(r.Context(), o, func(e engine.Event) error { return js.send(toDockerEvent(e)) })
	if err != nil && !errors.Is(err, context.Canceled) {
		logrus.Warnf("api: events: %v", err)
	}
	return nil
}

// statsResponse turns an engine sample (and the one before, for the
// precpu_stats the docker CLI computes CPU% from) into docker's shape.
func statsResponse(c *engine.Container, cur, prev *engine.Stats, read, preRead time.Time) container.StatsResponse {
	cpus := uint32(runtime.NumCPU())
	resp := container.StatsResponse{ID: c.ID(), Name: "/" + c.Name(), OSType: "linux", Read: read, PreRead: preRead}
	if cur == nil {
		return resp
	}
	resp.CPUStats = container.CPUStats{CPUUsage: container.CPUUsage{TotalUsage: cur.CPUNanos}, SystemUsage: cur.SystemNanos, OnlineCPUs: cpus}
	if prev != nil {
		resp.PreCPUStats = container.CPUStats{CPUUsage: container.CPUUsage{TotalUsage: prev.CPUNanos}, SystemUsage: prev.SystemNanos, OnlineCPUs: cpus}
	}
	resp.MemoryStats = container.MemoryStats{Usage: cur.MemUsage, Limit: cur.MemLimit}
	resp.Networks = map[string]container.NetworkStats{"eth0": {RxBytes: cur.NetRx, TxBytes: cur.NetTx}}
	resp.BlkioStats = container.BlkioStats{IoServiceBytesRecursive: []container.BlkioStatEntry{
		{Op: "read", Value: cur.BlockRead}, {Op: "write", Value: cur.BlockWrite},
	}}
	resp.PidsStats = container.PidsStats{Current: cur.Pids}
	resp.NumProcs = uint32(cur.Pids)
	return resp
}

// statsInterval is docker's: one sample a second when streaming, and a
// second sample a second after the first for a one-shot with CPU%.
const statsInterval = time.Second

// GET /containers/{id}/stats?stream&one-shot. A container that does not
// run reports zeros, as docker does.
func (s *Server) containerStats(w http.ResponseWriter, r *http.Request) error {
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	stream := r.URL.Query().Get("stream") == "" || boolParam(r, "stream")
	oneShot := boolParam(r, "one-shot")
	if oneShot && stream {
		return badRequestf("cannot have stream=true and one-shot=true")
	}
	sample := func(prev *engine.Stats) (*engine.Stats, error) {
		st, err := c.Stats(r.Context(), prev)
		if errors.Is(err, engine.ErrCtrStateInvalid) {
			return nil, nil
		}
		return st, err
	}
	var prev *engine.Stats
	var preRead time.Time
	cur, err := sample(nil)
	if err != nil {
		return err
	}
	read := time.Now()
	if !stream && !oneShot && cur != nil {
		if err := sleepCtx(r.Context(), statsInterval); err != nil {
			return err
		}
		prev, preRead = cur, read
		if cur, err = sample(prev); err != nil {
			return err
		}
		read = time.Now()
	}
	js := newJSONStream(w)
	for {
		if err := js.send(statsResponse(c, cur, prev, read, preRead)); err != nil || !stream {
			return nil
		}
		if err := sleepCtx(r.Context(), statsInterval); err != nil {
			return nil
		}
		prev, preRead = cur, read
		if cur, err = sample(prev); err != nil {
			return nil // a container removed meanwhile ends the stream
		}
		read = time.Now()
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
