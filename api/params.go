package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// boolParam reads a query flag as docker does: empty, 0, no, false and
// none are false, anything else true.
func boolParam(r *http.Request, k string) bool {
	switch strings.ToLower(strings.TrimSpace(r.URL.Query().Get(k))) {
	case "", "0", "no", "false", "none":
		return false
	}
	return true
}

// intParam reads an integer query parameter; def when absent.
func intParam(r *http.Request, k string, def int) (int, error) {
	v := r.URL.Query().Get(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequestf("invalid %s %q: not an integer", k, v)
	}
	return n, nil
}

// timeParam reads docker's since/until: Unix seconds with an optional
// fraction ("1700000000.5"), or RFC 3339. Zero when absent.
func timeParam(r *http.Request, k string) (time.Time, error) {
	v := r.URL.Query().Get(k)
	if v == "" || v == "0" {
		return time.Time{}, nil
	}
	if sec, frac, ok := strings.Cut(v, "."); ok || isDigits(v) {
		s, err1 := strconv.ParseInt(sec, 10, 64)
		var ns int64
		var err2 error
		if frac != "" {
			frac = (frac + "000000000")[:9]
			ns, err2 = strconv.ParseInt(frac, 10, 64)
		}
		if err1 == nil && err2 == nil {
			return time.Unix(s, ns), nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, badRequestf("invalid %s %q: want a Unix timestamp or RFC 3339 time", k, v)
	}
	return t, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// filterParam turns docker's filters JSON ({"key":["v1","v2"]} or the old
// {"key":{"v1":true}}) into the engine's "key=value" expressions.
func filterParam(r *http.Request) ([]string, error) {
	raw := r.URL.Query().Get("filters")
	if raw == "" {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, badRequestf("invalid filters %q: %v", raw, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		var list []string
		if err := json.Unmarshal(m[k], &list); err != nil {
			var set map[string]bool
			if err := json.Unmarshal(m[k], &set); err != nil {
				return nil, badRequestf("invalid filters: values of %q must be a list of strings", k)
			}
			for v, on := range set {
				if on {
					list = append(list, v)
				}
			}
			sort.Strings(list)
		}
		for _, v := range list {
			out = append(out, k+"="+v)
		}
	}
	return out, nil
}

// decodeJSON reads a JSON body of at most maxJSONBody bytes into v. An
// empty body leaves v alone. Trailing data after the value is an error.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &httpError{http.StatusRequestEntityTooLarge, "request body larger than " + strconv.Itoa(maxJSONBody) + " bytes"}
		}
		return badRequestf("reading request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return badRequestf("invalid JSON in request body: %v", err)
	}
	if dec.More() {
		return badRequestf("invalid JSON in request body: data after the JSON value")
	}
	return nil
}
