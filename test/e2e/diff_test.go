package e2e

import (
	"encoding/json"
	"testing"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "--name", "c", TestImage, "sh", "-c", "echo x > /new; rm /etc/group; echo y >> /etc/passwd").Success(t)
	r := e.Run("diff", "c").Success(t)
	r.StdoutContains(t, "A /new", "D /etc/group", "C /etc/passwd", "C /etc")
	// Mount points the engine made are not the container's changes.
	r.StdoutLacks(t, "/etc/hosts", "/proc", "/sys", "/dev", "/run/.containerenv")
	var js struct{ Changed, Added, Deleted []string }
	if err := json.Unmarshal([]byte(e.Run("diff", "--format", "json", "c").Success(t).Stdout), &js); err != nil {
		t.Fatal(err)
	}
	if !equalStrings(js.Added, []string{"/new"}) || !equalStrings(js.Deleted, []string{"/etc/group"}) {
		t.Fatalf("json diff %+v", js)
	}
	e.Run("diff", "nosuch").Exit(t, 125)
}
