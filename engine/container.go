package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/state"
)

// Status is a container's lifecycle state.
type Status string

// The lifecycle: configured (only in the database) → created (the runtime
// knows it) → running ⇄ paused → exited; removing while being deleted.
// stopping marks a stop in progress so that a crash in the middle is visible.
const (
	StatusConfigured Status = "configured"
	StatusCreated    Status = "created"
	StatusRunning    Status = "running"
	StatusPaused     Status = "paused"
	StatusStopping   Status = "stopping"
	StatusExited     Status = "exited"
	StatusRemoving   Status = "removing"
)

// ContainerConfig is fixed at creation. It is stored as JSON.
type ContainerConfig struct {
	ID        string             `json:"id"`
	Name      string             `json:"name"`
	Spec      spec.ContainerSpec `json:"spec"`
	ImageID   string             `json:"imageId"`
	ImageName string             `json:"imageName"`
	// ImageConfig is the image's runtime config, copied at creation so that
	// starting never needs to read the image again.
	ImageConfig spec.ImageConfig `json:"imageConfig"`
	Created     time.Time        `json:"created"`
	LogPath     string           `json:"logPath"`
	// Generated marks a name berth chose (not the user).
	NameGenerated bool `json:"nameGenerated,omitempty"`
}

// ContainerState changes over the container's life. It is stored as JSON.
type ContainerState struct {
	Status     Status    `json:"status"`
	PID        int       `json:"pid,omitempty"`
	ConmonPID  int       `json:"conmonPid,omitempty"`
	StartedAt  time.Time `json:"startedAt,omitempty"`
	FinishedAt time.Time `json:"finishedAt,omitempty"`
	ExitCode   int       `json:"exitCode"`
	// Exited is true once the container ran and stopped at least once.
	Exited       bool   `json:"exited,omitempty"`
	OOMKilled    bool   `json:"oomKilled,omitempty"`
	RestartCount int    `json:"restartCount,omitempty"`
	Mountpoint   string `json:"mountpoint,omitempty"`
	// StoppedByUser records a stop or kill asked for by the user, which
	// restart policies must not undo.
	StoppedByUser bool   `json:"stoppedByUser,omitempty"`
	Error         string `json:"error,omitempty"`

	Health      *HealthState `json:"health,omitempty"`
	HealthTimer *healthTimer `json:"healthTimer,omitempty"`
}

// running reports whether a process may be alive (the exit file decides).
func (s *ContainerState) running() bool {
	return s.Status == StatusRunning || s.Status == StatusPaused || s.Status == StatusStopping
}

// resetForBoot turns the state of a container from before a reboot into
// what is true now; it reports whether anything changed.
func (s *ContainerState) resetForBoot(now time.Time) bool {
	switch s.Status {
	case StatusRunning, StatusPaused, StatusStopping:
		s.Status, s.Exited, s.FinishedAt = StatusExited, true, now
		s.ExitCode = 255 // unknown: the machine went down under it
	case StatusCreated:
		s.Status = StatusConfigured
	case StatusRemoving:
		// A remove was interrupted by the reboot: leave it for rm -f.
	default:
		if s.PID == 0 && s.ConmonPID == 0 && s.Mountpoint == "" {
			return false
		}
	}
	s.PID, s.ConmonPID, s.Mountpoint = 0, 0, ""
	return true
}

// Container is a handle on one container. Its config never changes; its
// state is a snapshot, refreshed whenever the container's lock is taken.
type Container struct {
	r      *Runtime
	config *ContainerConfig
	state  *ContainerState
}

// ID returns the full 64-hex ID.
func (c *Container) ID() string { return c.config.ID }

// Name returns the container's name.
func (c *Container) Name() string { return c.config.Name }

// Config returns a copy of the container's configuration.
func (c *Container) Config() ContainerConfig { return *c.config }

// State returns the last known state snapshot.
func (c *Container) State() ContainerState { return *c.state }

func decodeContainer(r *Runtime, rec state.Container) (*Container, error) {
	c := &Container{r: r, config: new(ContainerConfig), state: new(ContainerState)}
	if err := json.Unmarshal(rec.Config, c.config); err != nil {
		return nil, fmt.Errorf("container %s: corrupt config: %w", rec.ID, err)
	}
	if err := json.Unmarshal(rec.State, c.state); err != nil {
		return nil, fmt.Errorf("container %s: corrupt state: %w", rec.ID, err)
	}
	c.config.Name = rec.Name
	return c, nil
}

// mapStateErr translates the store's errors into the engine's classes.
func mapStateErr(err error) error {
	switch {
	case errors.Is(err, state.ErrNotFound):
		return fmt.Errorf("%w: %w", ErrNoSuchCtr, err)
	case errors.Is(err, state.ErrExists):
		return fmt.Errorf("%w: %w", ErrCtrExists, err)
	case errors.Is(err, state.ErrAmbiguous):
		return fmt.Errorf("%w: %w", ErrAmbiguous, err)
	}
	return err
}

// LookupContainer finds a container by ID, name or unique ID prefix.
func (r *Runtime) LookupContainer(ctx context.Context, ref string) (*Container, error) {
	rec, err := r.db.LookupContainer(ctx, ref)
	if err != nil {
		if errors.Is(err, state.ErrNotFound) {
			return nil, fmt.Errorf("no container with name or ID %q found: %w", ref, ErrNoSuchCtr)
		}
		return nil, mapStateErr(err)
	}
	return decodeContainer(r, rec)
}

// AllContainers returns every container, oldest first, from one query.
func (r *Runtime) AllContainers(ctx context.Context) ([]*Container, error) {
	recs, err := r.db.Containers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Container, 0, len(recs))
	for _, rec := range recs {
		c, err := decodeContainer(r, rec)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// saveState writes the state snapshot in one transaction.
func (c *Container) saveState(ctx context.Context) error {
	b, err := json.Marshal(c.state)
	if err != nil {
		return err
	}
	return mapStateErr(c.r.db.SetContainerState(ctx, c.config.ID, b))
}

func (c *Container) invalidState(op string) error {
	return fmt.Errorf("container %s is %s, cannot %s: %w", c.config.Name, c.state.Status, op, ErrCtrStateInvalid)
}
