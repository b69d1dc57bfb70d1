package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestEventsSequenceAndFilters(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "ev", "-l", "app=web", TestImage, "sleep", "60").Success(t)
	e.Run("stop", "-t", "0", "ev").Success(t)
	e.Run("rm", "ev").Success(t)

	r := e.Run("events", "--stream=false", "--filter", "container=ev", "--format", "json").Success(t)
	var seq []string
	for _, line := range r.Lines() {
		var ev struct {
			Type, Status, Name string
			ExitCode           *int `json:"ContainerExitCode"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("events json line %q: %v", line, err)
		}
		if ev.Type != "container" || ev.Name != "ev" {
			t.Errorf("event %+v", ev)
		}
		if ev.Status == "died" && (ev.ExitCode == nil || *ev.ExitCode != 137) {
			t.Errorf("died event without exit code 137: %s", line)
		}
		seq = append(seq, ev.Status)
	}
	if got := strings.Join(seq, ","); got != "create,init,start,died,stop,cleanup,remove" {
		t.Errorf("run/stop/rm events = %s", got)
	}
	e.Run("events", "--stream=false", "--filter", "event=start", "--format", "{{.Status}} {{.Name}}").Success(t).StdoutIs(t, "start ev")
	e.Run("events", "--stream=false", "--filter", "label=app=web", "--filter", "event=remove", "--format", "{{.Name}}").Success(t).StdoutIs(t, "ev")
	e.Run("events", "--stream=false", "--filter", "type=image", "--format", "{{.Status}}").Success(t).StdoutContains(t, "loadfromarchive")
	e.Run("events", "--stream=false", "--since", "2000-01-01T00:00:00Z", "--until", "2000-01-02T00:00:00Z").Success(t).StdoutIs(t, "")
	e.Run("events", "--filter", "bogus=1").Exit(t, 125)
	e.Run("events", "--since", "yesterday-ish").Exit(t, 125)
}

// events follows the journal live: a container started after it began
// shows up without polling by the user.
func TestEventsFollow(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	p := e.Start("events", "--filter", "event=start", "--format", "{{.Status}} {{.Name}}")
	time.Sleep(300 * time.Millisecond)
	e.Run("run", "--rm", "--name", "live", TestImage, "true").Success(t)
	p.WaitStdout(t, "start live", 10*time.Second)
}
