package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/berthproject/berth/engine"
	"github.com/berthproject/berth/engine/spec"
)

func TestCheckVersion(t *testing.T) {
	for v, ok := range map[string]bool{
		"1.24": true, "1.44": true, "1.57": true, "1.9": false, "1.23": false, "1.58": false, "2.0": false,
	} {
		if err := checkVersion(v); (err == nil) != ok {
			t.Errorf("checkVersion(%s) = %v, want ok=%v", v, err, ok)
		}
	}
	if statusCode(checkVersion("1.12")) != http.StatusBadRequest {
		t.Error("an unsupported version must be a 400")
	}
}

func TestServeHTTPVersionPrefix(t *testing.T) {
	s := &Server{mux: http.NewServeMux()}
	var got string
	s.mux.HandleFunc("GET /containers/json", func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path + " " + r.Context().Value(versionKey{}).(string)
	})
	for path, want := range map[string]string{
		"/v1.44/containers/json": "/containers/json 1.44",
		"/containers/json":       "/containers/json 1.57",
	} {
		got = ""
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if got != want || rec.Header().Get("Api-Version") != APIVersion {
			t.Errorf("%s: handler saw %q, headers %v; want %q", path, got, rec.Header(), want)
		}
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/v1.44/nope", nil))
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), `"message":"page not found"`) {
		t.Errorf("unknown route: %d %s", rec.Code, rec.Body)
	}
}

func TestFilterParam(t *testing.T) {
	for raw, want := range map[string][]string{
		`{"status":["running","exited"],"label":["a=b"]}`: {"label=a=b", "status=running", "status=exited"},
		`{"name":{"web":true,"db":false}}`:                {"name=web"},
		``:                                                nil,
	} {
		r := httptest.NewRequest("GET", "/containers/json?filters="+urlEscape(raw), nil)
		got, err := filterParam(r)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("filters %s = %q, %v; want %q", raw, got, err, want)
		}
	}
	r := httptest.NewRequest("GET", "/containers/json?filters="+urlEscape(`{"a":1}`), nil)
	if _, err := filterParam(r); statusCode(err) != 400 {
		t.Errorf("bad filters: %v", err)
	}
}

func urlEscape(s string) string {
	return strings.NewReplacer("{", "%7B", "}", "%7D", `"`, "%22", " ", "%20", "[", "%5B", "]", "%5D").Replace(s)
}

func TestTimeParam(t *testing.T) {
	for v, want := range map[string]time.Time{
		"1700000000":           time.Unix(1700000000, 0),
		"1700000000.5":         time.Unix(1700000000, 500000000),
		"2023-11-14T22:13:20Z": time.Unix(1700000000, 0),
	} {
		got, err := timeParam(httptest.NewRequest("GET", "/?since="+v, nil), "since")
		if err != nil || !got.Equal(want) {
			t.Errorf("since=%s: %v, %v", v, got, err)
		}
	}
	if _, err := timeParam(httptest.NewRequest("GET", "/?since=yesterday", nil), "since"); statusCode(err) != 400 {
		t.Errorf("bad since: %v", err)
	}
}

func TestMuxWriterFrames(t *testing.T) {
	var buf bytes.Buffer
	out, errw := newMuxWriters(&buf, nil)
	out.Write([]byte("hi\n"))
	errw.Write([]byte("oops"))
	want := []byte{1, 0, 0, 0, 0, 0, 0, 3, 'h', 'i', '\n', 2, 0, 0, 0, 0, 0, 0, 4, 'o', 'o', 'p', 's'}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("frames = %v, want %v", buf.Bytes(), want)
	}
}

func TestSpecFromCreate(t *testing.T) {
	body := `{"Image":"busybox","Cmd":["echo","hi"],"Entrypoint":[""],"Env":["A=b"],"Tty":true,"OpenStdin":true,
		"StopTimeout":3,"Labels":{"l":"v"},
		"HostConfig":{"AutoRemove":true,"Binds":["/src:/dst:ro"],"CapAdd":["NET_ADMIN"],"Privileged":true,
		"ReadonlyRootfs":true,"NetworkMode":"host","RestartPolicy":{"Name":"on-failure","MaximumRetryCount":2},
		"SecurityOpt":["seccomp=unconfined","no-new-privileges"],"MemorySwappiness":-1,"PidsLimit":0,
		"Mounts":[{"Type":"bind","Source":"/a","Target":"/b","ReadOnly":true}]}}`
	var req container.CreateRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	cs, err := specFromCreate("web", &req)
	if err != nil {
		t.Fatal(err)
	}
	three := uint(3)
	want := engine.ContainerSpec{PullPolicy: engine.PullNever,
		Name: "web", Image: "busybox", Command: []string{"echo", "hi"}, EntrypointSet: true,
		Env: []string{"A=b"}, Labels: map[string]string{"l": "v"}, StopTimeout: &three,
		Terminal: true, Stdin: true, Remove: true, Privileged: true, CapAdd: []string{"NET_ADMIN"},
		ReadOnly: true, NetworkMode: "host", RestartPolicy: "on-failure", RestartRetries: 2,
		SeccompProfile: "unconfined", NoNewPrivileges: true,
		Mounts: []spec.Mount{
			{Type: "bind", Source: "/src", Destination: "/dst", Options: []string{"ro"}},
			{Type: "bind", Source: "/a", Destination: "/b", Options: []string{"ro"}},
		},
	}
	if !reflect.DeepEqual(cs, want) {
		t.Errorf("spec =\n%+v\nwant\n%+v", cs, want)
	}
}

func TestSpecFromCreateNetworkAndResources(t *testing.T) {
	body := `{"Image":"busybox","Volumes":{"/data":{},"/anon":{}},"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":1000000000,"Retries":2},
		"HostConfig":{"Binds":["vol:/data:ro"],"NetworkMode":"app","PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}],"53/udp":[{"HostPort":""}]},
		"PublishAllPorts":true,"Dns":["10.0.0.2"],"ExtraHosts":["h=1.2.3.4"],"Memory":67108864,"NanoCpus":500000000,"PidsLimit":50,
		"Ulimits":[{"Name":"nofile","Soft":100,"Hard":200}],"OomKillDisable":false,"Tmpfs":{"/t":"size=1m"},"VolumesFrom":["other:ro"],
		"Mounts":[{"Type":"volume","Source":"v2","Target":"/v2","VolumeOptions":{"NoCopy":true}}]},
		"NetworkingConfig":{"EndpointsConfig":{"app":{"Aliases":["web"],"IPAMConfig":{"IPv4Address":"10.1.2.3"}},"other":{}}}}`
	var req container.CreateRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	cs, err := specFromCreate("", &req)
	if err != nil {
		t.Fatal(err)
	}
	want := engine.ContainerSpec{PullPolicy: engine.PullNever,
		Image: "busybox", NetworkMode: "bridge", Networks: []string{"app", "other"}, NetworkAliases: []string{"web"},
		StaticIPs: []string{"10.1.2.3"}, Ports: []string{"127.0.0.1:8080:80/tcp", "53/udp"}, PublishAll: true,
		DNSServers: []string{"10.0.0.2"}, AddHosts: []string{"h:1.2.3.4"}, VolumesFrom: []string{"other:ro"},
		Resources:   &spec.Resources{Memory: 64 << 20, CPUs: 0.5, PidsLimit: 50},
		Ulimits:     []spec.Ulimit{{Name: "nofile", Soft: 100, Hard: 200}},
		Healthcheck: &spec.Healthcheck{Test: []string{"CMD-SHELL", "true"}, Interval: time.Second, Retries: 2},
		Mounts: []spec.Mount{
			{Type: "volume", Source: "vol", Destination: "/data", Options: []string{"ro"}},
			{Type: "volume", Source: "v2", Destination: "/v2", Options: []string{"nocopy"}},
			{Type: "tmpfs", Destination: "/t", Options: []string{"size=1m"}},
			{Type: "volume", Destination: "/anon"},
		},
	}
	if !reflect.DeepEqual(cs, want) {
		t.Errorf("spec =\n%+v\nwant\n%+v", cs, want)
	}
}

func TestCreateRefusesWhatBerthCannotDo(t *testing.T) {
	for body, msg := range map[string]string{
		`{"Image":"b","HostConfig":{"ShmSize":1048576}}`:                                                                    "HostConfig.ShmSize",
		`{"Image":"b","HostConfig":{"CgroupParent":"x"}}`:                                                                   "HostConfig.CgroupParent",
		`{"Image":"b","HostConfig":{"Init":true}}`:                                                                          "HostConfig.Init",
		`{"Image":"b","HostConfig":{"Binds":["./rel:/data"]}}`:                                                              "must be absolute",
		`{"Image":"b","HostConfig":{"Mounts":[{"Type":"npipe","Target":"/t"}]}}`:                                            "mount type",
		`{"Image":"b","HostConfig":{"NetworkMode":"host"},"NetworkingConfig":{"EndpointsConfig":{"n2":{"Aliases":["a"]}}}}`: "cannot be combined",
		`{"Image":"b","Domainname":"example.org"}`:                                                                          "Domainname",
		`{"Image":"b","HostConfig":{"SecurityOpt":["seccomp=rel.json"]}}`:                                                   "absolute path",
		`{"Cmd":["x"]}`: "no Image",
	} {
		var req container.CreateRequest
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			t.Fatal(err)
		}
		_, err := specFromCreate("", &req)
		if err == nil || statusCode(err) != 400 || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: err %v, want a 400 about %q", body, err, msg)
		}
	}
}

func TestCheckUnknownFields(t *testing.T) {
	parse := func(s string) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		json.Unmarshal([]byte(s), &m)
		return m
	}
	if err := checkUnknownFields(parse(`{"Image":"b","MacAddress":null,"HostConfig":{"Binds":null,"Dns":[]}}`)); err != nil {
		t.Errorf("known and null fields refused: %v", err)
	}
	err := checkUnknownFields(parse(`{"Image":"b","Bogus":1,"HostConfig":{"Nope":2}}`))
	if err == nil || !strings.Contains(err.Error(), "Bogus, HostConfig.Nope") {
		t.Errorf("unknown fields: %v", err)
	}
}

func TestStatusCodes(t *testing.T) {
	for err, code := range map[error]int{
		engine.ErrNoSuchCtr:       404,
		engine.ErrNoSuchImage:     404,
		engine.ErrCtrExists:       409,
		engine.ErrCtrStateInvalid: 409,
		engine.ErrImageInUse:      409,
		engine.ErrInvalidArg:      400,
		engine.ErrExecNotFound:    400,
		engine.ErrRuntime:         500,
		errNotModified:            304,
	} {
		if got := statusCode(err); got != code {
			t.Errorf("statusCode(%v) = %d, want %d", err, got, code)
		}
	}
}
