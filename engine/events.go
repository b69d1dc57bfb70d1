package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/berthproject/berth/internal/events"
)

// Event is one entry of the events journal.
type Event = events.Event

func (r *Runtime) journal() *events.Journal {
	return events.New(filepath.Join(r.opts.RunRoot, "events"))
}

// emit records a container event. Losing an event must never fail the
// operation it describes, so a write error is only logged.
func (c *Container) emit(status string, attrs ...string) {
	a := map[string]string{"name": c.config.Name, "image": c.config.ImageName}
	for k, v := range c.config.Spec.Labels {
		a[k] = v
	}
	for i := 0; i+1 < len(attrs); i += 2 {
		a[attrs[i]] = attrs[i+1]
	}
	e := Event{Time: time.Now(), Type: "container", Status: status, ID: c.config.ID,
		Name: c.config.Name, Image: c.config.ImageName, Attributes: a}
	if status == "died" {
		code := c.state.ExitCode
		e.ExitCode = &code
	}
	if err := c.r.journal().Append(e); err != nil {
		logWarn("recording %s event: %v", status, err)
	}
}

// emitImage records an image event.
func (r *Runtime) emitImage(status, id, name string) { r.emitObject("image", status, id, name) }

// emitObject records an event of a non-container object (image, volume,
// network, pod).
func (r *Runtime) emitObject(typ, status, id, name string) {
	e := Event{Time: time.Now(), Type: typ, Status: status, ID: id, Name: name}
	if err := r.journal().Append(e); err != nil {
		logWarn("recording %s event: %v", status, err)
	}
}

// EventOptions select events: a time window, following, and filters
// (type=, event= (or status=), container= (ID prefix or name), image=,
// label=KEY[=VALUE]); values of one key OR, different keys AND.
type EventOptions struct {
	Since, Until time.Time
	Follow       bool
	Filters      []string
}

var eventFilterKeys = map[string]bool{"type": true, "event": true, "status": true, "container": true, "image": true, "label": true}

// Events reads the journal, calling fn for each matching event in order.
func (r *Runtime) Events(ctx context.Context, o EventOptions, fn func(Event) error) error {
	filters := map[string][]string{}
	for _, f := range o.Filters {
		k, v, ok := strings.Cut(f, "=")
		if !ok || !eventFilterKeys[k] {
			return fmt.Errorf("invalid filter %q: use type, event, container, image or label: %w", f, ErrInvalidArg)
		}
		if k == "status" {
			k = "event"
		}
		filters[k] = append(filters[k], v)
	}
	return r.journal().Read(ctx, events.Options{Since: o.Since, Until: o.Until, Follow: o.Follow}, func(e Event) error {
		if !eventMatches(e, filters) {
			return nil
		}
		return fn(e)
	})
}

func eventMatches(e Event, filters map[string][]string) bool {
	for k, vs := range filters {
		ok := false
		for _, v := range vs {
			switch k {
			case "type":
				ok = e.Type == v
			case "event":
				ok = e.Status == v
			case "container":
				ok = e.Type == "container" && (e.Name == v || (v != "" && strings.HasPrefix(e.ID, v)))
			case "image":
				ok = e.Image == v || strings.HasSuffix(e.Image, "/"+v) || strings.HasSuffix(e.Image, "/"+v+":latest") ||
					(e.Type == "image" && (e.Name == v || strings.HasPrefix(e.ID, v)))
			case "label":
				lk, lv, hasV := strings.Cut(v, "=")
				got, present := e.Attributes[lk]
				ok = present && (!hasV || got == lv)
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
