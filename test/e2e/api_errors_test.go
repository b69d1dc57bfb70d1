package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Version negotiation, docker's error shapes and bad input, over raw HTTP.

func TestAPIVersionsAndErrors(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)

	code, hdr, body := s.request(t, "GET", "/_ping", "")
	if code != 200 || body != "OK" || hdr.Get("Api-Version") != "1.57" || hdr.Get("Ostype") != "linux" {
		t.Fatalf("/_ping: %d %q %v", code, body, hdr)
	}
	if code, _, _ := s.request(t, "HEAD", "/_ping", ""); code != 200 {
		t.Fatalf("HEAD /_ping: %d", code)
	}
	s.expect(t, "GET", "/v1.44/version", "", 200, `"ApiVersion":"1.57"`, `"MinAPIVersion":"1.24"`)
	s.expect(t, "GET", "/v1.12/version", "", 400, `"message":"client version 1.12 is too old. Minimum supported API version is 1.24`)
	s.expect(t, "GET", "/v9.99/containers/json", "", 400, "client version 9.99 is too new")
	s.expect(t, "GET", "/v1.50/no/such/route", "", 404, `"message":"page not found"`)

	// Missing objects: 404 with a message.
	s.expect(t, "GET", "/containers/nosuch/json", "", 404, `"message":`, "nosuch")
	s.expect(t, "POST", "/containers/nosuch/start", "", 404, "nosuch")
	s.expect(t, "GET", "/images/localhost/nosuch/json", "", 404, "nosuch")
	s.expect(t, "POST", "/containers/create", `{"Image":"localhost/nosuch"}`, 404, "nosuch")

	// Bad bodies: 400 with the reason; nothing is created.
	s.expect(t, "POST", "/containers/create", `{"Image":`, 400, "invalid JSON")
	s.expect(t, "POST", "/containers/create", `{"Image":"`+TestImage+`"} trailing`, 400, "invalid JSON")
	s.expect(t, "POST", "/containers/create", `{"Image":"`+TestImage+`","Bogus":1}`, 400, "unknown field(s) in container config: Bogus")
	s.expect(t, "POST", "/containers/create", `{"Image":"`+TestImage+`","HostConfig":{"Nope":true}}`, 400, "HostConfig.Nope")
	s.expect(t, "POST", "/containers/create", `{"Image":"`+TestImage+`","HostConfig":{"Memory":1000000}}`, 400, "minimum memory limit")
	s.expect(t, "POST", "/containers/create", `{"Image":"`+TestImage+`","HostConfig":{"ShmSize":1000000}}`, 400, "HostConfig.ShmSize is not supported")
	s.expect(t, "POST", "/containers/create", `{"Image":"`+TestImage+`","HostConfig":{"Binds":["./rel:/data"]}}`, 400, "must be absolute")
	s.expect(t, "POST", "/containers/create", "", 400, "config cannot be empty")
	huge := `{"Image":"` + TestImage + `","Env":["X=` + strings.Repeat("x", 5<<20) + `"]}`
	s.expect(t, "POST", "/containers/create", huge, 413, "larger than")
	s.expect(t, "GET", "/containers/json?filters=notjson", "", 400, "invalid filters")
	s.expect(t, "GET", "/containers/json?filters="+`{"bogus":["x"]}`, "", 400, "bogus")
	s.expect(t, "POST", "/containers/x/wait?condition=sometime", "", 400, "invalid wait condition")
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")

	// Lifecycle codes: 201, 204, 304 for no-ops, 409 for conflicts.
	b := s.expect(t, "POST", "/containers/create?name=c1", `{"Image":"`+TestImage+`","Cmd":["sleep","30"],"StopTimeout":1}`, 201, `"Id":"`)
	id := jsonField(t, b, "Id").(string)
	s.expect(t, "POST", "/containers/create?name=c1", `{"Image":"`+TestImage+`"}`, 409)
	s.expect(t, "POST", "/containers/c1/start", "", 204)
	s.expect(t, "POST", "/containers/c1/start", "", 304)
	s.expect(t, "DELETE", "/containers/c1", "", 409, "running")
	s.expect(t, "POST", "/containers/c1/kill?signal=SIGNOPE", "", 400, "SIGNOPE")
	s.expect(t, "POST", "/containers/c1/resize?h=10&w=20", "", 200)
	s.expect(t, "POST", "/containers/c1/stop?t=0", "", 204)
	s.expect(t, "POST", "/containers/c1/stop", "", 304)
	s.expect(t, "POST", "/containers/c1/kill", "", 409)
	s.expect(t, "POST", "/containers/c1/wait", "", 200, `"StatusCode":137`)
	s.expect(t, "GET", "/containers/json?all=1&filters="+`{"name":["c1"]}`, "", 200, id)
	s.expect(t, "DELETE", "/containers/"+id[:12], "", 204)

	// Starting a paused --rm container is a conflict that leaves it alone.
	s.expect(t, "POST", "/containers/create?name=c2", `{"Image":"`+TestImage+`","Cmd":["sleep","30"],"HostConfig":{"AutoRemove":true}}`, 201)
	s.expect(t, "POST", "/containers/c2/start", "", 204)
	s.expect(t, "POST", "/containers/c2/pause", "", 204)
	s.expect(t, "POST", "/containers/c2/start", "", 409)
	s.expect(t, "GET", "/containers/c2/json", "", 200, `"Status":"paused"`)
	s.expect(t, "DELETE", "/containers/c2?force=1", "", 204)
	s.expect(t, "DELETE", "/containers/"+id[:12], "", 404)
}

// A client that goes away in the middle of a stream (logs -f, attach,
// wait) costs nothing: its goroutines end, the container is untouched,
// and the service keeps serving.
func TestAPIClientDisconnectMidStream(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)
	s.docker(t, "run", "-d", "--name", "chatty", TestImage, "sh", "-c", "while true; do echo x; sleep 0.1; done").Success(t)
	goroutines := func() int {
		_, _, b := s.request(t, "GET", "/info", "")
		return int(jsonField(t, b, "NGoroutines").(float64))
	}
	before := goroutines()
	for range 5 {
		for _, req := range []string{
			"GET /containers/chatty/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: d\r\n\r\n",
			"POST /containers/chatty/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: d\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n",
			"POST /containers/chatty/wait HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n",
		} {
			c, err := net.Dial("unix", s.sock)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprint(c, req)
			br := bufio.NewReader(c)
			status, err := br.ReadString('\n')
			if err != nil || !(strings.Contains(status, " 200 ") || strings.Contains(status, " 101 ")) {
				t.Fatalf("%q: status %q, %v", strings.SplitN(req, "\r\n", 2)[0], status, err)
			}
			c.Close()
		}
	}
	// Streams notice the hang-up at their next write (the container
	// prints every 100 ms) or at once (wait).
	waitFor(t, func() bool { return goroutines() <= before+2 })
	s.docker(t, "inspect", "-f", "{{.State.Status}}", "chatty").Success(t).StdoutIs(t, "running")
	s.docker(t, "rm", "-f", "chatty").Success(t)
	assertNoLeftovers(t, e)
}

// A slow client cannot hold the service: several hundred concurrent
// listings are all answered.
func TestAPIManyListings(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)
	for i := range 5 {
		e.Run("create", "--name", "c"+strconv.Itoa(i), TestImage, "true").Success(t)
	}
	errs := make(chan error, 200)
	for range 200 {
		go func() {
			resp, err := s.http.Get("http://d/containers/json?all=1")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			errs <- err
		}()
	}
	deadline := time.After(30 * time.Second)
	for range 200 {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
		case <-deadline:
			t.Fatal("listings not answered within 30s")
		}
	}
}
