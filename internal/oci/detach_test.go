package oci

import (
	"bytes"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseDetachKeys(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want []byte
		bad  bool
	}{
		{spec: "ctrl-p,ctrl-q", want: []byte{16, 17}},
		{spec: "ctrl-a,x", want: []byte{1, 'x'}},
		{spec: "ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", want: []byte{0, 27, 28, 29, 30, 31}},
		{spec: "CTRL-P,Ctrl-Q", want: []byte{16, 17}},
		{spec: "", want: nil},
		{spec: "ctrl-1", bad: true},
		{spec: "ctrl-", bad: true},
		{spec: "ab", bad: true},
		{spec: "a,,b", bad: true},
		{spec: "alt-x", bad: true},
	} {
		got, err := ParseDetachKeys(tc.spec)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseDetachKeys(%q) = %v, want an error", tc.spec, got)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("ParseDetachKeys(%q) = %v, %v; want %v", tc.spec, got, err, tc.want)
		}
	}
}

func TestKeyScanner(t *testing.T) {
	keys := []byte{16, 17}
	for _, tc := range []struct {
		name   string
		chunks []string
		out    string
		detach bool
	}{
		{"plain", []string{"hello"}, "hello", false},
		{"sequence", []string{"ab\x10\x11cd"}, "ab", true},
		{"split across reads", []string{"ab\x10", "\x11cd"}, "ab", true},
		{"prefix then other", []string{"a\x10b"}, "a\x10b", false},
		{"prefix at end held back", []string{"a\x10"}, "a", false},
		{"held prefix released", []string{"a\x10", "b"}, "a\x10b", false},
		{"double prefix", []string{"\x10\x10\x11"}, "\x10", true},
	} {
		s := keyScanner{keys: keys}
		var out []byte
		detach := false
		for _, c := range tc.chunks {
			o, d := s.scan([]byte(c))
			out = append(out, o...)
			if d {
				detach = true
				break
			}
		}
		if string(out) != tc.out || detach != tc.detach {
			t.Errorf("%s: got %q detach=%v, want %q detach=%v", tc.name, out, detach, tc.out, tc.detach)
		}
	}
	// No keys: never detaches.
	s := keyScanner{}
	if o, d := s.scan([]byte("\x10\x11")); d || string(o) != "\x10\x11" {
		t.Errorf("no keys: %q %v", o, d)
	}
}

// TestCopyStdinDetach drives CopyStdin over a seqpacket pair standing in
// for conmon's attach socket.
func TestCopyStdinDetach(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]*net.UnixConn, 2)
	for i, fd := range fds {
		f := fileFromFD(fd)
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c.(*net.UnixConn)
	}
	defer conns[1].Close()
	a := &Attach{conn: conns[0], ctx: t.Context(), done: make(chan struct{}), stop: func() bool { return true }}
	go a.copyOutput(io.Discard, io.Discard)
	err = a.CopyStdin(strings.NewReader("ls\n\x10\x11ignored"), []byte{16, 17}, true)
	if err != ErrDetached {
		t.Fatalf("CopyStdin = %v, want ErrDetached", err)
	}
	if err := a.Wait(); err != ErrDetached {
		t.Fatalf("Wait = %v, want ErrDetached", err)
	}
	conns[1].SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	n, _ := conns[1].Read(buf)
	if string(buf[:n]) != "ls\n" {
		t.Errorf("conmon side got %q, want the input before the keys", buf[:n])
	}
}

func fileFromFD(fd int) *os.File { return os.NewFile(uintptr(fd), "sock") }
