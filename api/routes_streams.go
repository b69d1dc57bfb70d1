package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/berthproject/berth/engine"
)

func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// GET /containers/{id}/logs?stdout&stderr&follow&timestamps&tail&since&until
// Without a terminal the body is docker's multiplexed stream; with one it
// is raw, as docker sends it.
func (s *Server) containerLogs(w http.ResponseWriter, r *http.Request) error {
	wantOut, wantErr := boolParam(r, "stdout"), boolParam(r, "stderr")
	if !wantOut && !wantErr {
		return badRequestf("you must choose at least one stream")
	}
	opts := engine.LogOptions{Tail: -1, Follow: boolParam(r, "follow")}
	if t := r.URL.Query().Get("tail"); t != "" && t != "all" {
		n, err := strconv.Atoi(t)
		if err != nil {
			return badRequestf("invalid tail %q: a number or all", t)
		}
		if n >= 0 {
			opts.Tail = n
		}
	}
	var err error
	if opts.Since, err = timeParam(r, "since"); err != nil {
		return err
	}
	if opts.Until, err = timeParam(r, "until"); err != nil {
		return err
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	tty := c.Config().Spec.Terminal
	ct := multiplexedStreamType
	if tty {
		ct = rawStreamType
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	fw := newFlushWriter(w)
	fw.f.Flush()
	var stdout, stderr io.Writer = fw, fw
	if !tty {
		stdout, stderr = newMuxWriters(fw, nil)
	}
	if !wantOut {
		stdout = nil
	}
	if !wantErr {
		stderr = nil
	}
	timestamps := boolParam(r, "timestamps")
	err = c.Logs(r.Context(), opts, func(l engine.LogLine) error {
		return engine.WriteLogLine(stdout, stderr, l, timestamps)
	})
	if err != nil && r.Context().Err() == nil {
		// Headers are out: all a client can see is the stream ending.
		logrus.Debugf("api: logs of %s: %v", c.Name(), err)
	}
	return nil
}

// POST /containers/{id}/attach?stream&stdin&stdout&stderr&logs: the
// connection is hijacked; the container's output goes to the client
// (multiplexed without a terminal, raw with one) and, with stdin=1, the
// client's bytes go to the container's stdin. A container not started yet
// is prepared so that the start that follows misses no output.
func (s *Server) attachContainer(w http.ResponseWriter, r *http.Request) error {
	if dk := r.URL.Query().Get("detachKeys"); dk != "" {
		logrus.Debugf("api: attach: detachKeys %q ignored", dk)
	}
	wantIn, wantOut, wantErr := boolParam(r, "stdin"), boolParam(r, "stdout"), boolParam(r, "stderr")
	stream, replay := boolParam(r, "stream"), boolParam(r, "logs")
	if !stream && !replay {
		return badRequestf("attach needs stream=1 or logs=1")
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	tty := c.Config().Spec.Terminal
	ct := multiplexedStreamType
	if tty {
		ct = rawStreamType
	}
	// The attachment is made before the response goes out: a client that
	// starts the container once it has the response (docker run) must not
	// race the connection to conmon. Output waits for the hijack.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	out := &lateWriter{ready: make(chan struct{})}
	defer out.open(nil) // unblocks writers if the hijack never happens
	var stdout, stderr io.Writer = out, out
	if !tty {
		stdout, stderr = newMuxWriters(out, nil)
	}
	if !wantOut {
		stdout = io.Discard
	}
	if !wantErr {
		stderr = io.Discard
	}
	// The client's side: stdin when asked for. EOF is only the end of
	// stdin (the docker CLI half-closes at once when it sends none); a
	// client that hung up is noticed by a failed read or the next write of
	// output, which ends the attachment.
	var stdin io.Reader
	pr, pw := io.Pipe()
	defer pw.Close()
	if wantIn {
		stdin = pr
	}
	var att *engine.Attachment
	if stream {
		att, err = c.AttachStreams(ctx, engine.Streams{Stdin: stdin, Stdout: stdout, Stderr: stderr})
		if errors.Is(err, engine.ErrExecNotFound) || errors.Is(err, engine.ErrExecPermission) {
			// The runtime refused the command while preparing the
			// container: the start that follows reports it (docker's CLI
			// turns that into exit code 127 or 126).
			att, err = nil, nil
		}
		if err != nil {
			return err
		}
	}
	hj, err := hijack(w, r, ct)
	if err != nil {
		if att != nil {
			att.Close()
		}
		return err
	}
	defer hj.conn.Close()
	out.open(hj.conn)
	if replay {
		c.Logs(ctx, engine.LogOptions{Tail: -1}, func(l engine.LogLine) error {
			return engine.WriteLogLine(stdout, stderr, l, false)
		})
	}
	if att == nil {
		return nil
	}
	go func() {
		_, err := io.Copy(pw, hj.br)
		pw.CloseWithError(err)
		if err != nil && !errors.Is(err, io.EOF) {
			cancel()
		}
	}()
	if !wantIn {
		go io.Copy(io.Discard, pr)
	}
	defer att.Close()
	if err := att.Wait(); err != nil && ctx.Err() == nil {
		logrus.Debugf("api: attach to %s ended: %v", c.Name(), err)
	}
	return nil
}

// lateWriter blocks writes until open gives it the connection (nil: the
// connection never came, writes fail).
type lateWriter struct {
	ready chan struct{}
	once  sync.Once
	w     io.Writer
}

func (l *lateWriter) open(w io.Writer) {
	l.once.Do(func() {
		l.w = w
		close(l.ready)
	})
}

func (l *lateWriter) Write(p []byte) (int, error) {
	<-l.ready
	if l.w == nil {
		return 0, io.ErrClosedPipe
	}
	return l.w.Write(p)
}
