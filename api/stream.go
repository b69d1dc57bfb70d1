package api

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
)

// Stream ids of docker's multiplexed stream framing (the API reference,
// "Stream format"): each frame is an 8-byte header {stream, 0, 0, 0,
// size as big-endian uint32} followed by size bytes of that stream.
const (
	streamStdout = 1
	streamStderr = 2
)

// Content types of raw and multiplexed streams (API 1.42+ names the
// multiplexed one; older clients ignore it).
const (
	rawStreamType         = "application/vnd.docker.raw-stream"
	multiplexedStreamType = "application/vnd.docker.multiplexed-stream"
)

// muxWriter writes docker's frames of one stream to a shared writer; the
// shared mutex keeps the frames of stdout and stderr whole.
type muxWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	stream byte
	flush  func()
}

// newMuxWriters returns the stdout and stderr writers of a multiplexed
// stream on w. flush (may be nil) runs after each frame.
func newMuxWriters(w io.Writer, flush func()) (stdout, stderr io.Writer) {
	mu := &sync.Mutex{}
	return &muxWriter{mu: mu, w: w, stream: streamStdout, flush: flush},
		&muxWriter{mu: mu, w: w, stream: streamStderr, flush: flush}
}

func (m *muxWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	frame := make([]byte, 8+len(p))
	frame[0] = m.stream
	binary.BigEndian.PutUint32(frame[4:8], uint32(len(p)))
	copy(frame[8:], p)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.w.Write(frame); err != nil {
		return 0, err
	}
	if m.flush != nil {
		m.flush()
	}
	return len(p), nil
}

// flushWriter flushes an http response after every write, for streams a
// client follows live (logs -f).
type flushWriter struct {
	mu sync.Mutex
	w  io.Writer
	f  http.Flusher
}

func newFlushWriter(w http.ResponseWriter) *flushWriter {
	f, _ := w.(http.Flusher)
	return &flushWriter{w: w, f: f}
}

func (fw *flushWriter) Write(p []byte) (int, error) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	n, err := fw.w.Write(p)
	if err == nil && fw.f != nil {
		fw.f.Flush()
	}
	return n, err
}

// hijacked is a connection taken over from net/http for attach: the
// client's bytes after the request (stdin) come through br.
type hijacked struct {
	conn net.Conn
	br   *bufio.Reader
}

// hijack takes over the connection and writes the response header: 101
// UPGRADED when the client asked for an upgrade (the docker CLI does),
// else 200, both with the stream's content type.
func hijack(w http.ResponseWriter, r *http.Request, contentType string) (*hijacked, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, fmt.Errorf("connection cannot be hijacked")
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, fmt.Errorf("hijacking connection: %w", err)
	}
	status := "HTTP/1.1 200 OK\r\n"
	extra := ""
	if r.Header.Get("Upgrade") != "" {
		status = "HTTP/1.1 101 UPGRADED\r\n"
		extra = "Connection: Upgrade\r\nUpgrade: " + r.Header.Get("Upgrade") + "\r\n"
	}
	hdr := status + "Content-Type: " + contentType + "\r\n" + extra +
		"Api-Version: " + APIVersion + "\r\n\r\n"
	if _, err := conn.Write([]byte(hdr)); err != nil {
		conn.Close()
		return nil, err
	}
	return &hijacked{conn: conn, br: rw.Reader}, nil
}

// writeJSON sends v with status code.
func writeJSON(w http.ResponseWriter, code int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	return json.NewEncoder(w).Encode(v)
}

// jsonStream writes newline-delimited JSON messages (the progress format
// of load and pull), flushing each.
type jsonStream struct {
	enc *json.Encoder
	fw  *flushWriter
}

func newJSONStream(w http.ResponseWriter) *jsonStream {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	fw := newFlushWriter(w)
	return &jsonStream{enc: json.NewEncoder(fw), fw: fw}
}

func (j *jsonStream) send(v any) error { return j.enc.Encode(v) }
