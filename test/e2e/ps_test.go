package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPsFiltersAndFormats(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "--name", "ok", "-l", "team=a", TestImage, "true").Success(t)
	e.Run("run", "--name", "bad", "-l", "team=b", TestImage, "sh", "-c", "exit 3").Exit(t, 3)
	e.Run("run", "-d", "--name", "up", "-l", "team=a", TestImage, "sleep", "60").Success(t)

	names := func(args ...string) string {
		a := append([]string{"ps", "--format", "{{.Names}}"}, args...)
		return strings.Join(e.Run(a...).Success(t).Lines(), ",")
	}
	if got := names(); got != "up" {
		t.Errorf("ps = %s, want only the running container", got)
	}
	if got := names("-a"); got != "up,bad,ok" {
		t.Errorf("ps -a = %s, want newest first", got)
	}
	if got := names("-a", "--filter", "label=team=a"); got != "up,ok" {
		t.Errorf("label filter = %s", got)
	}
	if got := names("-a", "--filter", "status=exited"); got != "bad,ok" {
		t.Errorf("status filter = %s", got)
	}
	if got := names("-a", "--filter", "exited=3"); got != "bad" {
		t.Errorf("exited filter = %s", got)
	}
	if got := names("-a", "--filter", "name=^o"); got != "ok" {
		t.Errorf("name filter = %s", got)
	}
	if got := names("-a", "--filter", "status=exited", "--filter", "label=team=a"); got != "ok" {
		t.Errorf("two keys must AND: %s", got)
	}
	if got := names("-a", "--filter", "since=ok"); got != "up,bad" {
		t.Errorf("since filter = %s", got)
	}
	if got := names("-n", "2"); got != "up,bad" {
		t.Errorf("-n 2 = %s", got)
	}
	if got := names("-l"); got != "up" {
		t.Errorf("--latest = %s", got)
	}
	e.Run("ps", "--filter", "bogus=1").Exit(t, 125).StderrContains(t, "bogus")
	e.Run("ps", "--format", "{{.Nope").Exit(t, 125)

	// Default table: podman's header and a human status.
	r := e.Run("ps", "-a").Success(t)
	lines := r.Lines()
	if !strings.HasPrefix(lines[0], "CONTAINER ID") || !strings.Contains(lines[0], "NAMES") || len(lines) != 4 {
		t.Errorf("ps -a table:\n%s", r.Stdout)
	}
	r.StdoutContains(t, "Exited (3)", "Up ")
	// -q prints short IDs; --no-trunc full ones.
	for _, id := range e.Run("ps", "-aq").Success(t).Lines() {
		if len(id) != 12 {
			t.Errorf("ps -q id %q", id)
		}
	}
	for _, id := range e.Run("ps", "-aq", "--no-trunc").Success(t).Lines() {
		if len(id) != 64 {
			t.Errorf("ps -q --no-trunc id %q", id)
		}
	}
	// json: an array of objects with podman's keys.
	var rows []map[string]any
	if err := json.Unmarshal([]byte(e.Run("ps", "-a", "--format", "json").Success(t).Stdout), &rows); err != nil || len(rows) != 3 {
		t.Fatalf("ps --format json: %v (%d rows)", err, len(rows))
	}
	for _, k := range []string{"Id", "Names", "Image", "State", "Status", "ExitCode", "Labels", "Command"} {
		if _, ok := rows[0][k]; !ok {
			t.Errorf("ps json lacks %s", k)
		}
	}
	// --size reports the writable layer.
	e.Run("ps", "-a", "--size", "--format", "{{.Names}} {{.Size}}").Success(t).StdoutContains(t, "virtual")
	e.Run("ps", "--format", `{{.Label "team"}}`).Success(t).StdoutIs(t, "a")
}
