package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/moby/moby/api/types/common"
	"github.com/moby/moby/api/types/container"
	"github.com/sirupsen/logrus"

	"github.com/berthproject/berth/engine"
	"github.com/berthproject/berth/engine/spec"
)

func (s *Server) execRoutes() {
	s.handle("POST /containers/{id}/exec", s.createExec)
	s.handle("POST /exec/{id}/start", s.startExec)
	s.handle("POST /exec/{id}/resize", s.resizeExec)
	s.handle("GET /exec/{id}/json", s.inspectExec)
	s.handle("GET /containers/{id}/top", s.topContainer)
}

// POST /containers/{id}/exec: records the session (Container.CreateExec);
// POST /exec/{id}/start runs it.
func (s *Server) createExec(w http.ResponseWriter, r *http.Request) error {
	var req container.ExecCreateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if len(req.Cmd) == 0 {
		return badRequestf("no exec command specified")
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	keys := req.DetachKeys
	if keys == "" {
		keys = engine.DefaultDetachKeys
	}
	id, err := c.CreateExec(r.Context(), engine.ExecOptions{
		ExecOptions: spec.ExecOptions{
			Command: req.Cmd, Env: req.Env, User: req.User, WorkDir: req.WorkingDir,
			Terminal: req.Tty, Privileged: req.Privileged,
		},
		Interactive: req.AttachStdin,
	}, keys)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, common.IDResponse{ID: id})
}

// POST /exec/{id}/start: detached, the process starts and the answer is an
// empty 200. Attached, the connection is hijacked first, then the session
// starts (as docker orders it: clients that read the response headers
// through a buffered reader, like the Python SDK, would swallow output
// that arrived with them): output multiplexed without a terminal, raw with
// one, the client's bytes to the process's stdin. A failed start is
// reported in the stream, and a command that cannot be executed as exit
// code 127/126 by /exec/{id}/json, as docker does.
func (s *Server) startExec(w http.ResponseWriter, r *http.Request) error {
	var req container.ExecStartRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	st, err := s.rt.InspectExec(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !st.Pending {
		return fmt.Errorf("exec session %s has already been started: %w", st.ID, engine.ErrCtrStateInvalid)
	}
	streams := engine.Streams{}
	if req.ConsoleSize != nil && req.ConsoleSize[0] > 0 && req.ConsoleSize[1] > 0 {
		streams.Size = &engine.TermSize{Rows: uint16(req.ConsoleSize[0]), Cols: uint16(req.ConsoleSize[1])}
	}
	if req.Detach {
		sess, err := s.rt.StartExec(r.Context(), st.ID, true, streams)
		if err != nil {
			return err
		}
		sess.Close()
		w.WriteHeader(http.StatusOK)
		return nil
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	ct := multiplexedStreamType
	if st.Terminal {
		ct = rawStreamType
	}
	hj, err := hijack(w, r, ct)
	if err != nil {
		return err
	}
	defer hj.conn.Close()
	stdout, stderr := io.Writer(hj.conn), io.Writer(hj.conn)
	if !st.Terminal {
		stdout, stderr = newMuxWriters(hj.conn, nil)
	}
	pr, pw := io.Pipe()
	defer pw.Close()
	if st.Interactive {
		streams.Stdin = pr
	}
	streams.Stdout, streams.Stderr = stdout, stderr
	sess, err := s.rt.StartExec(ctx, st.ID, false, streams)
	if err != nil {
		// The stream is the only place left for the message.
		fmt.Fprintf(stdout, "%v\r\n", err)
		return nil
	}
	defer sess.Close()
	go func() {
		_, err := io.Copy(pw, hj.br)
		pw.CloseWithError(err)
		if err != nil && !errors.Is(err, io.EOF) {
			cancel()
		}
	}()
	if !st.Interactive {
		go io.Copy(io.Discard, pr)
	}
	code, err := sess.Wait(ctx)
	switch {
	case errors.Is(err, engine.ErrDetached):
		logrus.Debugf("api: client detached from exec session %s", st.ID)
	case err != nil && ctx.Err() == nil:
		logrus.Debugf("api: exec session %s: %v", st.ID, err)
	default:
		logrus.Debugf("api: exec session %s exited with %d", st.ID, code)
	}
	return nil
}

// POST /exec/{id}/resize?h&w
func (s *Server) resizeExec(w http.ResponseWriter, r *http.Request) error {
	h, err := intParam(r, "h", 0)
	if err != nil {
		return err
	}
	wd, err := intParam(r, "w", 0)
	if err != nil {
		return err
	}
	if h <= 0 || wd <= 0 || h > 65535 || wd > 65535 {
		return badRequestf("invalid terminal size %dx%d", h, wd)
	}
	if err := s.rt.ResizeExec(r.Context(), r.PathValue("id"), engine.TermSize{Rows: uint16(h), Cols: uint16(wd)}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// GET /exec/{id}/json
func (s *Server) inspectExec(w http.ResponseWriter, r *http.Request) error {
	st, err := s.rt.InspectExec(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	pc := &container.ExecProcessConfig{Tty: st.Terminal, User: st.User}
	if len(st.Command) > 0 {
		pc.Entrypoint, pc.Arguments = st.Command[0], st.Command[1:]
	}
	if pc.Arguments == nil {
		pc.Arguments = []string{}
	}
	if st.Options != nil {
		priv := st.Options.Privileged
		pc.Privileged = &priv
	}
	var keys []byte
	if st.DetachKeys != "" {
		keys, _ = engine.ParseDetachKeys(st.DetachKeys)
	}
	return writeJSON(w, http.StatusOK, container.ExecInspectResponse{
		ID: st.ID, Running: st.Running, ExitCode: st.ExitCode, ProcessConfig: pc,
		OpenStdin: st.Interactive, OpenStdout: true, OpenStderr: true,
		ContainerID: st.ContainerID, DetachKeys: keys, Pid: st.PID,
	})
}

// GET /containers/{id}/top?ps_args: engine Top reads /proc, so ps_args
// chooses columns only: "-o a,b" (or "o a,b") names ps descriptors; the
// usual process-selection options (-ef, aux, ...) give berth's default
// columns, since every process of the container is listed anyway.
func (s *Server) topContainer(w http.ResponseWriter, r *http.Request) error {
	descriptors, err := topDescriptors(r.URL.Query().Get("ps_args"))
	if err != nil {
		return err
	}
	c, err := s.lookup(r)
	if err != nil {
		return err
	}
	rows, err := c.Top(r.Context(), descriptors)
	if err != nil {
		return err
	}
	resp := container.TopResponse{Processes: [][]string{}}
	if len(rows) > 0 {
		resp.Titles, resp.Processes = rows[0], rows[1:]
	}
	return writeJSON(w, http.StatusOK, resp)
}

// topDescriptors reads docker's ps_args as far as berth's Top can honour
// it.
func topDescriptors(psArgs string) ([]string, error) {
	fields := strings.Fields(psArgs)
	var out []string
	for i := 0; i < len(fields); i++ {
		switch f := fields[i]; f {
		case "-o", "o", "-O", "O", "--format":
			if i+1 == len(fields) {
				return nil, badRequestf("ps_args %q: %s needs a list of descriptors", psArgs, f)
			}
			i++
			for _, d := range strings.Split(fields[i], ",") {
				if d != "" {
					out = append(out, d)
				}
			}
		case "-e", "-A", "-f", "-ef", "-fe", "-eF", "aux", "ax", "-aux", "ef", "-a", "a", "x", "u":
			// Selection or full format: berth lists every process.
		default:
			return nil, badRequestf("ps_args %q: %q is not supported by berth: use -o DESCRIPTORS (pid, user, args, ...)", psArgs, f)
		}
	}
	return out, nil
}
