package signals

import (
	"errors"
	"syscall"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want syscall.Signal
		err  bool
	}{
		{in: "TERM", want: syscall.SIGTERM},
		{in: "SIGTERM", want: syscall.SIGTERM},
		{in: "sigterm", want: syscall.SIGTERM},
		{in: "term", want: syscall.SIGTERM},
		{in: "15", want: syscall.SIGTERM},
		{in: "9", want: syscall.SIGKILL},
		{in: "KILL", want: syscall.SIGKILL},
		{in: "SIGUSR1", want: syscall.SIGUSR1},
		{in: "winch", want: syscall.SIGWINCH},
		{in: "IOT", want: syscall.SIGABRT},
		{in: "SIGCLD", want: syscall.SIGCHLD},
		{in: "RTMIN", want: 34},
		{in: "RTMIN+3", want: 37},
		{in: "SIGRTMIN+0", want: 34},
		{in: "SIGRTMAX", want: 64},
		{in: "SIGRTMAX-2", want: 62},
		{in: "rtmax-30", want: 34},
		{in: "64", want: 64},
		{in: "1", want: 1},
		{in: "", err: true},
		{in: "0", err: true},
		{in: "65", err: true},
		{in: "-1", err: true},
		{in: "15x", err: true},
		{in: "FOO", err: true},
		{in: "SIG", err: true},
		{in: "RTMIN-1", err: true},
		{in: "RTMAX+1", err: true},
		{in: "RTMIN+31", err: true},
		{in: "RTMIN+", err: true},
		{in: "RTMIN+x", err: true},
		{in: "RTMAX--2", err: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("Parse(%q) = %d, want error", tt.in, got)
			} else if !errors.Is(err, ErrUnknown) {
				t.Errorf("Parse(%q) error %v does not wrap ErrUnknown", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		sig  syscall.Signal
		want string
	}{
		{syscall.SIGTERM, "SIGTERM"},
		{syscall.SIGKILL, "SIGKILL"},
		{34, "SIGRTMIN"},
		{37, "SIGRTMIN+3"},
		{49, "SIGRTMIN+15"},
		{50, "SIGRTMAX-14"},
		{62, "SIGRTMAX-2"},
		{64, "SIGRTMAX"},
		{32, "32"},
		{99, "99"},
	}
	for _, tt := range tests {
		if got := Name(tt.sig); got != tt.want {
			t.Errorf("Name(%d) = %q, want %q", tt.sig, got, tt.want)
		}
	}
}

// Every signal 1..64 except glibc's reserved 32/33 must round-trip.
func TestRoundTrip(t *testing.T) {
	for n := 1; n <= 64; n++ {
		sig := syscall.Signal(n)
		got, err := Parse(Name(sig))
		if err != nil || got != sig {
			t.Errorf("Parse(Name(%d)=%q) = %d, %v", n, Name(sig), got, err)
		}
	}
}
