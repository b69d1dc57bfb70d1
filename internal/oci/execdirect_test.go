package oci

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A stopped drain copies what the pipe holds and returns although a writer
// (a child the process left behind) keeps the pipe open.
func TestDrainStopsWithWriterStillOpen(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var out bytes.Buffer
	d := &drainReader{f: r, w: &out}
	done := make(chan struct{})
	go func() { d.copy(); close(done) }()
	w.Write([]byte("before "))
	time.Sleep(20 * time.Millisecond) // the copy now waits for more
	w.Write([]byte("in-pipe"))
	d.stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("copy did not return after stop")
	}
	if out.String() != "before in-pipe" {
		t.Errorf("copied %q", out.String())
	}
}

// Without stop the copy ends at the pipe's end.
func TestDrainCopiesToEOF(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer
	d := &drainReader{f: r, w: &out}
	done := make(chan struct{})
	go func() { d.copy(); close(done) }()
	big := strings.Repeat("x", 200000) // more than a pipe holds
	w.Write([]byte(big))
	w.Close()
	<-done
	if out.Len() != len(big) {
		t.Errorf("copied %d bytes, want %d", out.Len(), len(big))
	}
}

func TestGateWriter(t *testing.T) {
	var out bytes.Buffer
	g := &gateWriter{w: &out}
	g.Write([]byte("held "))
	if out.Len() != 0 || string(g.held()) != "held " {
		t.Fatalf("closed gate passed %q, held %q", out.String(), g.held())
	}
	g.open()
	g.Write([]byte("after"))
	if out.String() != "held after" {
		t.Errorf("open gate gave %q", out.String())
	}
}

func TestProcessAlive(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	pid := cmd.Process.Pid
	start, err := ProcessStartTime(pid)
	if err != nil {
		t.Fatal(err)
	}
	if !ProcessAlive(pid, start) {
		t.Error("a running process is not alive")
	}
	if ProcessAlive(pid, start+1) {
		t.Error("another start time (a reused PID) counts as alive")
	}
	cmd.Process.Kill()
	cmd.Wait()
	if ProcessAlive(pid, start) {
		t.Error("an ended process is alive")
	}
}
