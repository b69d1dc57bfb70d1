package spec

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func TestResourcesValidateAndConvert(t *testing.T) {
	bad := []Resources{
		{Memory: -1}, {Memory: 1024}, {Memory: 64 << 20, MemorySwap: 32 << 20}, {MemorySwap: 64 << 20},
		{CPUs: -1}, {BlkioWeight: 5}, {PidsLimit: -2}, {CPUSetCPUs: "0-x"}, {CPUSetCPUs: "3-1"},
	}
	for _, r := range bad {
		if err := r.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid", r, err)
		}
	}
	r := Resources{Memory: 32 << 20, CPUs: 1.5, CPUShares: 512, CPUSetCPUs: "0", PidsLimit: 10, BlkioWeight: 300, OOMKillDisable: true}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	lr := r.LinuxResources()
	if *lr.Memory.Limit != 32<<20 || *lr.Memory.Swap != 64<<20 || !*lr.Memory.DisableOOMKiller {
		t.Errorf("memory = %+v", lr.Memory)
	}
	if *lr.CPU.Quota != 150000 || *lr.CPU.Period != 100000 || *lr.CPU.Shares != 512 || lr.CPU.Cpus != "0" {
		t.Errorf("cpu = %+v", lr.CPU)
	}
	if *lr.Pids.Limit != 10 || *lr.BlockIO.Weight != 300 {
		t.Errorf("pids/blkio = %+v %+v", lr.Pids, lr.BlockIO)
	}
	if none := (*Resources)(nil).LinuxResources(); none.Memory != nil || none.CPU != nil {
		t.Errorf("nil resources set limits: %+v", none)
	}
}

func TestParseUlimit(t *testing.T) {
	tests := []struct {
		in         string
		soft, hard uint64
		bad        bool
	}{
		{in: "nofile=1024:2048", soft: 1024, hard: 2048},
		{in: "nproc=512", soft: 512, hard: 512},
		{in: "core=-1", soft: unix.RLIM_INFINITY, hard: unix.RLIM_INFINITY},
		{in: "nofile=2048:1024", bad: true},
		{in: "bogus=1", bad: true},
		{in: "nofile", bad: true},
		{in: "nofile=x", bad: true},
	}
	for _, tt := range tests {
		u, err := ParseUlimit(tt.in)
		if tt.bad {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseUlimit(%q) = %v, want ErrInvalid", tt.in, err)
			}
			continue
		}
		if err != nil || u.Soft != tt.soft || u.Hard != tt.hard {
			t.Errorf("ParseUlimit(%q) = %+v, %v", tt.in, u, err)
		}
	}
}
