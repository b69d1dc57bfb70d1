package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestStats(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "busy", "--memory", "64m", TestImage, "sh", "-c", "while true; do :; done").Success(t)
	r := e.Run("stats", "--no-stream").Success(t)
	lines := r.Lines()
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "CONTAINER ID") || !strings.Contains(lines[0], "MEM USAGE / LIMIT") {
		t.Fatalf("stats table:\n%s", r.Stdout)
	}
	if !strings.Contains(lines[1], "busy") || !strings.Contains(lines[1], "67.1MB") {
		t.Errorf("stats row lacks the name or the 64m limit: %s", lines[1])
	}
	e.Run("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "busy").Success(t).StdoutIs(t, "busy 1")
	var rows []struct {
		Name       string
		CPUPercent float64
		MemLimit   uint64
	}
	if err := json.Unmarshal([]byte(e.Run("stats", "--no-stream", "--format", "json").Success(t).Stdout), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("stats json: %v", err)
	}
	if rows[0].CPUPercent <= 0 || rows[0].MemLimit != 64<<20 {
		t.Errorf("stats json = %+v; a busy loop must use CPU", rows[0])
	}
	e.Run("stats", "--no-stream", "nosuch").Exit(t, 125)
}

func TestRenameExistsPrune(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("create", "--name", "old", "-l", "keep=yes", TestImage, "true").Success(t)
	e.Run("run", "--name", "done", TestImage, "true").Success(t)
	e.Run("run", "-d", "--name", "up", TestImage, "sleep", "60").Success(t)
	e.Run("rename", "old", "new").Success(t)
	e.Run("container", "exists", "new").Success(t)
	e.Run("container", "exists", "old").Exit(t, 1)
	e.Run("rename", "new", "up").Exit(t, 125).StderrContains(t, "already in use")
	e.Run("rename", "new", "bad/name").Exit(t, 125)
	e.Run("events", "--stream=false", "--filter", "event=rename", "--format", "{{.Name}} {{.Attributes.oldName}}").Success(t).StdoutIs(t, "new old")

	e.Run("container", "prune", "--filter", "label!=keep=yes").Success(t)
	e.Run("ps", "-a", "--format", "{{.Names}}").Success(t).StdoutIs(t, "up\nnew")
	e.Run("container", "prune", "--filter", "bogus=1").Exit(t, 125)
	e.Run("container", "prune").Success(t)
	e.Run("ps", "-a", "--format", "{{.Names}}").Success(t).StdoutIs(t, "up")
}
