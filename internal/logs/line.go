// Package logs reads the container logs conmon writes in the k8s-file format
// (one record per line: "<RFC3339Nano time> <stdout|stderr> <F|P> <text>";
// see notes/conmon.md, section 5): parsing, joining partial records into
// logical lines, tail, time filters and follow.
package logs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrInvalidLine is returned (wrapped) by ParseLine for text that is not a
// k8s-file record.
var ErrInvalidLine = errors.New("invalid k8s-file log record")

// Stream names as conmon writes them.
const (
	StreamStdout = "stdout"
	StreamStderr = "stderr"
)

// Line is one log record, or one logical line once partial records are
// joined by Read.
type Line struct {
	Time   time.Time
	Stream string // StreamStdout or StreamStderr
	// Partial: for a record, the "P" tag (the text did not end in a newline
	// when conmon read it). For a line from Read, the line never got its
	// newline: the log ended while it was still partial.
	Partial bool
	Text    string
}

// ParseLine parses one k8s-file record, with or without its trailing
// newline. The text after the tag is returned verbatim, including a "\r" a
// terminal adds before the newline.
func ParseLine(b []byte) (Line, error) {
	ts, stream, partial, text, err := splitRecord(bytes.TrimSuffix(b, []byte{'\n'}))
	if err != nil {
		return Line{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return Line{}, fmt.Errorf("%w: bad timestamp %q", ErrInvalidLine, ts)
	}
	return Line{Time: t, Stream: streamName(stream), Partial: partial, Text: string(text)}, nil
}

// splitRecord splits a record (without newline) into its fields without
// parsing the time, which the backwards tail scan does not need. stream is
// 0 for stdout and 1 for stderr.
func splitRecord(b []byte) (ts []byte, stream int, partial bool, text []byte, err error) {
	ts, rest, ok := bytes.Cut(b, []byte{' '})
	if !ok || len(ts) == 0 {
		return nil, 0, false, nil, fmt.Errorf("%w: %q", ErrInvalidLine, clip(b))
	}
	name, rest, ok := bytes.Cut(rest, []byte{' '})
	if !ok {
		return nil, 0, false, nil, fmt.Errorf("%w: %q", ErrInvalidLine, clip(b))
	}
	switch string(name) {
	case StreamStdout:
		stream = 0
	case StreamStderr:
		stream = 1
	default:
		return nil, 0, false, nil, fmt.Errorf("%w: unknown stream %q", ErrInvalidLine, clip(name))
	}
	// An empty line is written as "... F " followed by the newline; accept a
	// missing final space too.
	tag, text, _ := bytes.Cut(rest, []byte{' '})
	switch string(tag) {
	case "F":
	case "P":
		partial = true
	default:
		return nil, 0, false, nil, fmt.Errorf("%w: unknown tag %q", ErrInvalidLine, clip(tag))
	}
	return ts, stream, partial, text, nil
}

func streamName(i int) string {
	if i == 1 {
		return StreamStderr
	}
	return StreamStdout
}

func streamIndex(name string) int {
	if name == StreamStderr {
		return 1
	}
	return 0
}

// clip keeps error messages short when a log file holds garbage.
func clip(b []byte) []byte {
	const max = 64
	if len(b) > max {
		return b[:max]
	}
	return b
}

// Write prints one logical line to stdout or stderr according to its stream,
// followed by a newline. With timestamps the line is prefixed by its time in
// RFC 3339 with nanoseconds and a space, as `podman logs -t` prints it.
// A nil writer discards the stream. The line is written with a single Write
// call so concurrent writers do not interleave within a line.
func Write(stdout, stderr io.Writer, l Line, timestamps bool) error {
	w := stdout
	if l.Stream == StreamStderr {
		w = stderr
	}
	if w == nil {
		return nil
	}
	b := make([]byte, 0, len(l.Text)+40)
	if timestamps {
		b = l.Time.AppendFormat(b, time.RFC3339Nano)
		b = append(b, ' ')
	}
	b = append(b, l.Text...)
	b = append(b, '\n')
	_, err := w.Write(b)
	return err
}
