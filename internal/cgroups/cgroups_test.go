package cgroups

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParsers(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	if n := readUint(write("u", "12345\n")); n != 12345 {
		t.Errorf("readUint = %d", n)
	}
	if n := readUint(write("max", "max\n")); n != 0 {
		t.Errorf("max = %d", n)
	}
	kv := readKeyed(write("stat", "cache 10\ntotal_inactive_file 300\nusage_usec 7\n"))
	if kv["total_inactive_file"] != 300 || kv["usage_usec"] != 7 {
		t.Errorf("readKeyed = %v", kv)
	}
	r, w := readBlkioV1(write("blk", "8:0 Read 100\n8:0 Write 50\n8:0 Total 150\n8:16 Read 1\nTotal 151\n"))
	if r != 101 || w != 50 {
		t.Errorf("blkio = %d %d", r, w)
	}
	if sub(1, 2) != 0 || sub(5, 2) != 3 {
		t.Error("sub")
	}
	if SystemCPUNanos() == 0 {
		t.Error("no /proc/stat figure")
	}
	if _, err := Read("/berth/no-such-container"); err == nil {
		t.Error("Read of a missing cgroup succeeded")
	}
}
