package format

import (
	"strings"
	"testing"
	"text/template"
)

func TestFuncs(t *testing.T) {
	type row struct {
		Name   string
		Labels map[string]string
		Names  []string
		Cmd    string
	}
	r := row{
		Name:   "hello world-wide",
		Labels: map[string]string{"a": "1", "b": "<x>"},
		Names:  []string{"web", "db"},
		Cmd:    "sh -c 'a > b && c'",
	}
	tests := []struct {
		tmpl string
		want string
	}{
		{`{{json .Labels}}`, `{"a":"1","b":"<x>"}`},
		{`{{json .Cmd}}`, `"sh -c 'a > b && c'"`},
		{`{{json .Names}}`, `["web","db"]`},
		{`{{join .Names ","}}`, `web,db`},
		{`{{split "a:b:c" ":"}}`, `[a b c]`},
		{`{{index (split "a:b:c" ":") 1}}`, `b`},
		{`{{upper .Name}}`, `HELLO WORLD-WIDE`},
		{`{{lower "MiXeD"}}`, `mixed`},
		{`{{title .Name}}`, `Hello World-Wide`},
		{`{{title "don't stop_me now"}}`, `Don't Stop_me Now`},
		{`[{{pad "x" 2 1}}]`, `[  x ]`},
		{`[{{pad "" 2 1}}]`, `[]`},
		{`[{{pad "x" -1 -1}}]`, `[x]`},
		{`{{truncate "abcdef" 3}}`, `abc`},
		{`{{truncate "abc" 3}}`, `abc`},
		{`{{truncate "abc" 10}}`, `abc`},
		{`[{{truncate "abc" 0}}]`, `[]`},
		{`[{{truncate "abc" -2}}]`, `[]`},
		{`{{truncate "héllo" 2}}`, `hé`},
		{`{{len .Names}}`, `2`},
		{`{{println "x"}}`, "x\n"},
	}
	for _, tt := range tests {
		tmpl, err := template.New("t").Funcs(Funcs()).Parse(tt.tmpl)
		if err != nil {
			t.Fatalf("parse %q: %v", tt.tmpl, err)
		}
		var b strings.Builder
		if err := tmpl.Execute(&b, r); err != nil {
			t.Errorf("execute %q: %v", tt.tmpl, err)
			continue
		}
		if b.String() != tt.want {
			t.Errorf("%s = %q, want %q", tt.tmpl, b.String(), tt.want)
		}
	}
}

func TestFuncsJSONError(t *testing.T) {
	tmpl := template.Must(template.New("t").Funcs(Funcs()).Parse(`{{json .}}`))
	if err := tmpl.Execute(&strings.Builder{}, func() {}); err == nil {
		t.Fatal("json of a func: want error")
	}
}
