package format

import (
	"strings"
	"testing"
)

type ctr struct {
	ID        string            `json:"Id"`
	Image     string            `json:"Image"`
	Names     string            `json:"Names"`
	Labels    map[string]string `json:"Labels,omitempty"`
	Running   bool              `json:"-"`
	CreatedAt string            `json:"CreatedAt"`
}

func (c ctr) Label(k string) string { return c.Labels[k] }

const psDefault = "table {{.ID}}\t{{.Image}}\t{{.Names}}"

var psHeaders = map[string]string{"ID": "CONTAINER ID"}

var twoCtrs = []ctr{
	{ID: "abc123", Image: "busybox", Names: "web", Labels: map[string]string{"app": "x"}, Running: true, CreatedAt: "now"},
	{ID: "def4567890ab", Image: "localhost/alpine:latest", Names: "db"},
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name    string
		format  string
		rows    any
		headers map[string]string
		want    string
	}{
		{
			name:   "default table",
			format: "",
			rows:   twoCtrs,
			// minimum cell width 12, two spaces of padding, last column unpadded
			want: "" +
				"CONTAINER ID  IMAGE                    NAMES\n" +
				"abc123        busybox                  web\n" +
				"def4567890ab  localhost/alpine:latest  db\n",
		},
		{
			name:   "table keyword alone means the default",
			format: "table",
			rows:   twoCtrs[:1],
			want: "" +
				"CONTAINER ID  IMAGE       NAMES\n" +
				"abc123        busybox     web\n",
		},
		{
			name:   "user table with backslash-t typed on the command line",
			format: `table {{.Names}}\t{{.ID}}`,
			rows:   twoCtrs,
			want: "" +
				"NAMES       CONTAINER ID\n" +
				"web         abc123\n" +
				"db          def4567890ab\n",
		},
		{
			name:   "table header names derived from fields and pipelines",
			format: `table {{truncate .ID 3}}\t{{json .Labels}}\t{{.CreatedAt}}\t{{if .Running}}up{{else}}down{{end}}\t{{.Label "app"}}`,
			rows:   twoCtrs,
			want: "" +
				"CONTAINER ID  LABELS       CREATED AT  RUNNING     LABEL\n" +
				"abc           {\"app\":\"x\"}  now         up          x\n" +
				"def           null                     down        \n",
		},
		{
			name:   "empty listing prints only the header",
			format: "",
			rows:   []ctr{},
			want:   "CONTAINER ID  IMAGE       NAMES\n",
		},
		{
			name:   "nil listing prints only the header",
			format: "table {{.ID}}",
			rows:   nil,
			want:   "CONTAINER ID\n",
		},
		{
			name:   "plain template, one line per row, no header",
			format: "{{.ID}}",
			rows:   twoCtrs,
			want:   "abc123\ndef4567890ab\n",
		},
		{
			name:   "template already ending in a newline gets no second one",
			format: `{{.Names}}\n`,
			rows:   twoCtrs,
			want:   "web\ndb\n",
		},
		{
			name:   "literal backslash-t in a plain template",
			format: `{{.Names}}\t{{.Image}}`,
			rows:   twoCtrs[:1],
			want:   "web\tbusybox\n",
		},
		{
			name:   "json function per row (docker style)",
			format: "{{json .}}",
			rows:   twoCtrs[1:],
			want:   `{"Id":"def4567890ab","Image":"localhost/alpine:latest","Names":"db","CreatedAt":""}` + "\n",
		},
		{
			name:   "json array (podman style)",
			format: "json",
			rows:   twoCtrs[1:],
			want: "[\n" +
				"    {\n" +
				"        \"Id\": \"def4567890ab\",\n" +
				"        \"Image\": \"localhost/alpine:latest\",\n" +
				"        \"Names\": \"db\",\n" +
				"        \"CreatedAt\": \"\"\n" +
				"    }\n" +
				"]\n",
		},
		{
			name:   "json of no rows",
			format: " json ",
			rows:   []ctr(nil),
			want:   "[]\n",
		},
		{
			name:   "maps as rows",
			format: "table {{.Name}}\t{{.Size}}",
			rows:   []map[string]string{{"Name": "vol1", "Size": "1kB"}},
			want: "" +
				"NAME        SIZE\n" +
				"vol1        1kB\n",
		},
		{
			name:   "pointer rows and nested fields",
			format: "table {{.Config.Image}}",
			rows:   []*struct{ Config struct{ Image string } }{{Config: struct{ Image string }{"busybox"}}},
			want:   "IMAGE\nbusybox\n",
		},
		{
			name:    "explicit header for a nested path",
			format:  "table {{.Config.Image}}",
			rows:    []struct{ Config struct{ Image string } }{{}},
			headers: map[string]string{"Config.Image": "IMG"},
			want:    "IMG\n\n",
		},
		{
			name:   "a single value is one row",
			format: "{{.Names}}",
			rows:   twoCtrs[0],
			want:   "web\n",
		},
		{
			name:   "variables print nothing in the header",
			format: "table {{$n := .Names}}{{$n}}",
			rows:   twoCtrs[:1],
			want:   "\nweb\n",
		},
		{
			name:   "tablespace is not the table keyword",
			format: "tablespace {{.Names}}",
			rows:   twoCtrs[:1],
			want:   "tablespace web\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.headers
			if h == nil {
				h = psHeaders
			}
			f, err := New(tt.format, psDefault, h)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := f.Write(&b, tt.rows); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("output mismatch\n got: %q\nwant: %q", b.String(), tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	for _, format := range []string{"{{.ID", "table {{.ID}", "{{nosuchfunc .ID}}", "{{end}}"} {
		_, err := New(format, psDefault, nil)
		if err == nil {
			t.Errorf("New(%q): want error", format)
			continue
		}
		if !strings.HasPrefix(err.Error(), "template parsing error: ") {
			t.Errorf("New(%q) error %q lacks the parsing-error prefix", format, err)
		}
	}
}

func TestWriteExecError(t *testing.T) {
	f, err := New("{{.NoSuchField}}", psDefault, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	err = f.Write(&b, twoCtrs)
	if err == nil || !strings.Contains(err.Error(), "NoSuchField") {
		t.Fatalf("err = %v, want an error naming the field", err)
	}
	if b.Len() != 0 {
		t.Errorf("partial output written on error: %q", b.String())
	}
}

func TestShows(t *testing.T) {
	for _, tc := range []struct {
		format, field string
		want          bool
	}{
		{"", "Networks", false},
		{"table {{.ID}}\t{{.Image}}\t{{.Ports}}\t{{.Names}}", "Networks", false},
		{"{{.Names}} {{.Networks}}", "Networks", true},
		{"json", "Networks", true},
		{"{{json .}}", "Networks", true},
		{"{{.}}", "Networks", true},
		{"table {{.ID}}\t{{.Ports}}", "Networks", false},
		{`{{index .Labels "a"}}`, "Labels", true},
	} {
		if got := Shows(tc.format, tc.field); got != tc.want {
			t.Errorf("Shows(%q, %q) = %v, want %v", tc.format, tc.field, got, tc.want)
		}
	}
}

func TestIsJSON(t *testing.T) {
	tests := map[string]bool{"json": true, " json\n": true, "{{json .}}": false, "": false, "table": false, "JSON": false}
	for format, want := range tests {
		f, err := New(format, psDefault, nil)
		if err != nil {
			t.Fatal(err)
		}
		if f.IsJSON() != want {
			t.Errorf("New(%q).IsJSON() = %v, want %v", format, !want, want)
		}
	}
}

func TestHeaderName(t *testing.T) {
	tests := map[string]string{
		"ID":         "ID",
		"Names":      "NAMES",
		"CreatedAt":  "CREATED AT",
		"ImageID":    "IMAGE ID",
		"CPUPerc":    "CPU PERC",
		"NetIO":      "NET IO",
		"PIDs":       "PIDS",
		"IPAddress":  "IP ADDRESS",
		"RunningFor": "RUNNING FOR",
		"size_rw":    "SIZE RW",
		"Port80Tcp":  "PORT80 TCP",
		"x":          "X",
		"":           "",
	}
	for in, want := range tests {
		if got := HeaderName(in); got != want {
			t.Errorf("HeaderName(%q) = %q, want %q", in, got, want)
		}
	}
}
