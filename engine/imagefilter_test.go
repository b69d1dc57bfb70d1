package engine

import (
	"errors"
	"reflect"
	"testing"
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
