package oci

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrDetached is returned by Attach.Wait when the user typed the detach
// keys: the client went away, the container runs on.
var ErrDetached = errors.New("detached from the container")

// DefaultDetachKeys is docker's and podman's default sequence.
const DefaultDetachKeys = "ctrl-p,ctrl-q"

// ParseDetachKeys reads docker's detach-key syntax: a comma-separated list
// of single characters and ctrl-X, where X is a letter or one of @ [ \ ] ^ _.
// An empty spec disables detaching (nil keys).
func ParseDetachKeys(spec string) ([]byte, error) {
	if spec == "" {
		return nil, nil
	}
	var keys []byte
	for _, k := range strings.Split(spec, ",") {
		switch {
		case len(k) == 1:
			keys = append(keys, k[0])
		case len(k) == 6 && strings.HasPrefix(strings.ToLower(k), "ctrl-"):
			c := k[5]
			switch {
			case c >= 'a' && c <= 'z':
				keys = append(keys, c-'a'+1)
			case c >= 'A' && c <= 'Z':
				keys = append(keys, c-'A'+1)
			case c == '@':
				keys = append(keys, 0)
			case c >= '[' && c <= '_':
				keys = append(keys, c-'['+27)
			default:
				return nil, fmt.Errorf("invalid detach keys %q: %q is not ctrl-a..ctrl-z, ctrl-@, ctrl-[, ctrl-\\, ctrl-], ctrl-^ or ctrl-_", spec, k)
			}
		default:
			return nil, fmt.Errorf("invalid detach keys %q: %q is neither one character nor ctrl-<key>", spec, k)
		}
	}
	return keys, nil
}

// keyScanner finds the detach sequence in a stream. Bytes that could start
// the sequence are held back until the next byte shows whether they do.
type keyScanner struct {
	keys    []byte
	matched int
}

// scan returns the bytes of p to pass on and whether the sequence is
// complete (the bytes before it are returned too).
func (s *keyScanner) scan(p []byte) (out []byte, detach bool) {
	if len(s.keys) == 0 {
		return p, false
	}
	out = make([]byte, 0, len(p)+len(s.keys))
	for _, b := range p {
		if b == s.keys[s.matched] {
			s.matched++
			if s.matched == len(s.keys) {
				s.matched = 0
				return out, true
			}
			continue
		}
		if s.matched > 0 {
			out = append(out, s.keys[:s.matched]...)
			s.matched = 0
		}
		if b == s.keys[0] {
			s.matched = 1
			if len(s.keys) == 1 {
				s.matched = 0
				return out, true
			}
			continue
		}
		out = append(out, b)
	}
	return out, false
}

// CopyStdin copies r to the container's stdin in messages of at most 32
// KiB, watching for keys (nil: no detaching). When the keys are typed it
// drops the connection (the container runs on) and Wait returns
// ErrDetached. At the end of r, closeStdin shuts down the write side, which
// makes conmon close the container's stdin; otherwise the connection stays
// as it is. It returns when r ends, a write fails or the user detached;
// run it in its own goroutine.
func (a *Attach) CopyStdin(r io.Reader, keys []byte, closeStdin bool) error {
	sc := keyScanner{keys: keys}
	buf := make([]byte, stdinChunkSize)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			out, detach := sc.scan(buf[:n])
			if len(out) > 0 {
				// One Write is one seqpacket message.
				if _, err := a.conn.Write(out); err != nil {
					return fmt.Errorf("writing container stdin: %w", err)
				}
			}
			if detach {
				a.detached.Store(true)
				a.Close()
				return ErrDetached
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return fmt.Errorf("reading stdin: %w", rerr)
		}
	}
	if !closeStdin {
		return nil
	}
	if err := a.conn.CloseWrite(); err != nil {
		return fmt.Errorf("closing container stdin: %w", err)
	}
	return nil
}
