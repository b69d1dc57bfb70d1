package image

import (
	"reflect"
	"testing"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestApplyChanges(t *testing.T) {
	cfg := v1.ImageConfig{Env: []string{"PATH=/bin", "A=1"}}
	err := ApplyChanges(&cfg, []string{
		`CMD ["/bin/sh", "-c", "echo hi"]`, `ENTRYPOINT echo x`, `ENV A=2`, `ENV B "two words"`,
		`WORKDIR /data`, `LABEL a=b "c=d e"`, `EXPOSE 80 53/udp`, `USER nobody`, `VOLUME /v`, `STOPSIGNAL SIGINT`,
		`CMD=["true"]`,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := v1.ImageConfig{
		Env:          []string{"PATH=/bin", "A=2", "B=two words"},
		Cmd:          []string{"true"},
		Entrypoint:   []string{"/bin/sh", "-c", "echo x"},
		WorkingDir:   "/data",
		Labels:       map[string]string{"a": "b", "c": "d e"},
		ExposedPorts: map[string]struct{}{"80/tcp": {}, "53/udp": {}},
		User:         "nobody",
		Volumes:      map[string]struct{}{"/v": {}},
		StopSignal:   "SIGINT",
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got %+v\nwant %+v", cfg, want)
	}
	for _, bad := range []string{"FROM x", "ENV", "LABEL novalue", "ONBUILD RUN x", "WORKDIR", `LABEL "a=b`} {
		if err := ApplyChanges(&cfg, []string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
