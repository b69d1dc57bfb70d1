package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSystemDfAndReset(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("volume", "create", "data").Success(t)
	e.Run("run", "--name", "writer", "-v", "data:/data", TestImage, "sh", "-c", "head -c 100000 /dev/zero > /data/blob; head -c 50000 /dev/zero > /layer").Success(t)
	var rows []struct {
		Type       string
		Total      int
		Active     int
		RawSize    int64
		RawReclaim int64 `json:"RawReclaimable"`
	}
	if err := json.Unmarshal([]byte(e.Run("system", "df", "--format", "json").Success(t).Stdout), &rows); err != nil || len(rows) != 3 {
		t.Fatalf("df json: %v", err)
	}
	img, ctr, vol := rows[0], rows[1], rows[2]
	if img.Total != 1 || img.Active != 1 || img.RawSize < 1_000_000 {
		t.Errorf("images row %+v", img)
	}
	if ctr.Total != 1 || ctr.Active != 0 || ctr.RawSize < 50000 || ctr.RawReclaim != ctr.RawSize {
		t.Errorf("containers row %+v: a stopped container's layer is reclaimable", ctr)
	}
	if vol.Total != 1 || vol.RawSize < 100000 {
		t.Errorf("volumes row %+v", vol)
	}
	e.Run("system", "df", "-v").Success(t).StdoutContains(t, "writer", "data", "localhost/busybox:latest")
	e.Run("events", "--stream=false", "--filter", "type=volume", "--format", "{{.Status}} {{.Name}}").Success(t).StdoutIs(t, "create data")

	e.Run("run", "-d", "--name", "up", TestImage, "sleep", "60").Success(t)
	e.Run("system", "reset").Exit(t, 125).StderrContains(t, "--force")
	e.Run("system", "reset", "--force").Success(t)
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	e.Run("images", "-q").Success(t).StdoutIs(t, "")
	e.Run("volume", "ls", "-q").Success(t).StdoutIs(t, "")
	assertNoLeftovers(t, e)
	// And berth works again from scratch.
	e.LoadImage()
	e.Run("run", "--rm", TestImage, "echo", "again").Success(t).StdoutIs(t, "again")
}

func TestSystemPrune(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "--name", "stopped", TestImage, "true").Success(t)
	e.Run("run", "-d", "--name", "up", "-v", "used:/d", TestImage, "sleep", "60").Success(t)
	e.Run("volume", "create", "unused").Success(t)
	// An image without a name is dangling.
	tarball := e.Dir + "/rootfs.tar"
	e.Run("export", "-o", tarball, "stopped").Success(t)
	dangling := e.Run("import", tarball).Success(t).Lines()
	r := e.Run("system", "prune", "--volumes", "-f").Success(t)
	r.StdoutContains(t, "Deleted Containers", "Deleted Images", "Deleted Volumes", "Total reclaimed space")
	e.Run("ps", "-a", "--format", "{{.Names}}").Success(t).StdoutIs(t, "up")
	e.Run("volume", "ls", "-q").Success(t).StdoutIs(t, "used")
	if imgs := e.Run("images", "-q", "--no-trunc").Success(t).Out(); len(dangling) > 0 && strings.Contains(imgs, dangling[len(dangling)-1]) {
		t.Errorf("dangling image survived system prune: %s", imgs)
	}
	e.Run("images", "--format", "{{.Repository}}").Success(t).StdoutIs(t, TestImage)
}
