package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/sirupsen/logrus"

	"github.com/berthproject/berth/engine"
	"github.com/berthproject/berth/engine/spec"
)

// httpError is an error the API itself raises (bad query parameter,
// unknown route, body too large) with its status code.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func badRequestf(format string, a ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

func notFoundf(format string, a ...any) error {
	return &httpError{http.StatusNotFound, fmt.Sprintf(format, a...)}
}

func notImplementedf(format string, a ...any) error {
	return &httpError{http.StatusNotImplemented, fmt.Sprintf(format, a...)}
}

// errNotModified is docker's 304 for a start or stop that had nothing to
// do; it has no body.
var errNotModified = &httpError{http.StatusNotModified, ""}

// statusCode is THE mapping from engine error classes to HTTP status
// codes, as the Docker API uses them.
func statusCode(err error) int {
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		return he.code
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, engine.ErrCtrStopped):
		return http.StatusNotModified
	case errors.Is(err, engine.ErrNoSuchCtr), errors.Is(err, engine.ErrNoSuchImage),
		errors.Is(err, engine.ErrNoSuchPod), errors.Is(err, engine.ErrNoSuchVolume),
		errors.Is(err, engine.ErrNoSuchNetwork), errors.Is(err, engine.ErrNoSuchArtifact),
		errors.Is(err, engine.ErrNoSuchPath), errors.Is(err, engine.ErrNoSuchExecSession):
		return http.StatusNotFound
	case errors.Is(err, engine.ErrCtrExists), errors.Is(err, engine.ErrCtrStateInvalid),
		errors.Is(err, engine.ErrImageInUse), errors.Is(err, engine.ErrAmbiguous),
		errors.Is(err, engine.ErrVolumeExists), errors.Is(err, engine.ErrVolumeInUse),
		errors.Is(err, engine.ErrNetworkExists), errors.Is(err, engine.ErrNetworkInUse):
		return http.StatusConflict
	case errors.Is(err, engine.ErrInvalidArg), errors.Is(err, spec.ErrInvalid), errors.Is(err, engine.ErrExecNotFound),
		errors.Is(err, engine.ErrExecPermission):
		// docker answers 400 for a command that cannot be executed; its CLI
		// turns the message into exit code 127 or 126.
		return http.StatusBadRequest
	case errors.Is(err, context.Canceled):
		return 499 // the client went away; nobody reads this
	}
	return http.StatusInternalServerError
}

// writeError sends err as docker does: {"message": "..."} with the status
// code of its class. A 304 has no body.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := statusCode(err)
	if code >= 500 {
		logrus.Warnf("api: %s %s: %v", r.Method, r.URL.Path, err)
	} else {
		logrus.Debugf("api: %s %s: %d %v", r.Method, r.URL.Path, code, err)
	}
	if code == http.StatusNotModified {
		w.WriteHeader(code)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
}
