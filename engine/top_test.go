package engine

import (
	"slices"
	"testing"
	"time"
)

func TestPsDuration(t *testing.T) {
	for _, tc := range []struct {
		d         time.Duration
		withHours bool
		want      string
	}{
		{0, false, "00:00"},
		{59 * time.Second, false, "00:59"},
		{61 * time.Minute, false, "01:01:00"},
		{5 * time.Second, true, "00:00:05"},
		{49*time.Hour + 2*time.Second, false, "2-01:00:02"},
		{-time.Second, false, "00:00"},
	} {
		if got := psDuration(tc.d, tc.withHours); got != tc.want {
			t.Errorf("psDuration(%v, %v) = %q, want %q", tc.d, tc.withHours, got, tc.want)
		}
	}
}

func TestTTYName(t *testing.T) {
	for nr, want := range map[int]string{0: "?", 136<<8 | 3: "pts/3", 137<<8 | 1: "pts/257", 4<<8 | 1: "4:1"} {
		if got := ttyName(nr); got != want {
			t.Errorf("ttyName(%#x) = %q, want %q", nr, got, want)
		}
	}
}

func TestCgroupDirs(t *testing.T) {
	hybrid := "12:pids:/berth/abc\n11:memory:/berth/abc\n1:name=systemd:/x\n0::/berth/abc\n"
	want := []string{"/sys/fs/cgroup/pids/berth/abc", "/sys/fs/cgroup/unified/berth/abc", "/sys/fs/cgroup/berth/abc"}
	if got := cgroupDirs(hybrid); !slices.Equal(got, want) {
		t.Errorf("hybrid: %q, want %q", got, want)
	}
	if got := cgroupDirs("0::/a\n"); !slices.Equal(got, []string{"/sys/fs/cgroup/unified/a", "/sys/fs/cgroup/a"}) {
		t.Errorf("v2: %q", got)
	}
}
