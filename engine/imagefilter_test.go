package engine

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestFilterImages(t *testing.T) {
	list := []Image{
		{ID: "a", Names: []string{"localhost/boat:latest", "registry.example:5000/team/boat:v1", "localhost/busybox:latest"}, Labels: map[string]string{"x": "1"}},
		{ID: "b", Dangling: true},
	}
	tests := []struct {
		filters   []string
		wantIDs   []string
		wantNames []string // names of the first result
		wantErr   bool
	}{
		{filters: nil, wantIDs: []string{"a", "b"}, wantNames: list[0].Names},
		{filters: []string{"dangling=true"}, wantIDs: []string{"b"}},
		{filters: []string{"dangling=false"}, wantIDs: []string{"a"}, wantNames: list[0].Names},
		{filters: []string{"label=x"}, wantIDs: []string{"a"}, wantNames: list[0].Names},
		{filters: []string{"label=x=2"}, wantIDs: nil},
		{filters: []string{"reference=boat"}, wantIDs: []string{"a"}, wantNames: []string{"localhost/boat:latest"}},
		{filters: []string{"reference=team/*"}, wantIDs: []string{"a"}, wantNames: []string{"registry.example:5000/team/boat:v1"}},
		{filters: []string{"reference=localhost/b*"}, wantIDs: []string{"a"}, wantNames: []string{"localhost/boat:latest", "localhost/busybox:latest"}},
		{filters: []string{"reference=nope"}, wantIDs: nil},
		{filters: []string{"dangling=maybe"}, wantErr: true},
		{filters: []string{"color=red"}, wantErr: true},
		{filters: []string{"novalue"}, wantErr: true},
	}
	for _, tt := range tests {
		got, err := FilterImages(list, tt.filters)
		if tt.wantErr {
			if !errors.Is(err, ErrInvalidArg) {
				t.Errorf("%v: err = %v, want ErrInvalidArg", tt.filters, err)
			}
			continue
		}
		var ids []string
		for _, g := range got {
			ids = append(ids, g.ID)
		}
		if !reflect.DeepEqual(ids, tt.wantIDs) {
			t.Errorf("%v: ids = %v, want %v", tt.filters, ids, tt.wantIDs)
		}
		if len(got) > 0 && tt.wantNames != nil && !reflect.DeepEqual(got[0].Names, tt.wantNames) {
			t.Errorf("%v: names = %v, want %v", tt.filters, got[0].Names, tt.wantNames)
		}
	}
}

func TestFilterImagesBeforeSince(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	list := []Image{
		{ID: "aaa111", Names: []string{"localhost/old:latest"}, Created: t0},
		{ID: "bbb222", Names: []string{"localhost/mid:1"}, Created: t0.Add(time.Hour)},
		{ID: "ccc333", Created: t0.Add(2 * time.Hour)},
	}
	ids := func(l []Image) []string {
		var out []string
		for _, i := range l {
			out = append(out, i.ID)
		}
		return out
	}
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{"before=mid:1", []string{"aaa111"}},
		{"since=old", []string{"bbb222", "ccc333"}},
		{"since=bbb", []string{"ccc333"}},
		{"before=sha256:aaa111", nil},
	} {
		got, err := FilterImages(list, []string{tc.filter})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(got), tc.want) {
			t.Errorf("%s: got %v, want %v", tc.filter, ids(got), tc.want)
		}
	}
	if _, err := FilterImages(list, []string{"before=nosuch"}); !errors.Is(err, ErrNoSuchImage) {
		t.Errorf("before=nosuch: %v", err)
	}
}
