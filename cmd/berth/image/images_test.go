package image

import "testing"

func TestNeedsLabels(t *testing.T) {
	for _, tc := range []struct {
		tmpl    string
		filters []string
		want    bool
	}{
		{"", nil, false},
		{"table {{.Repository}}\t{{.ID}}", []string{"dangling=true", "reference=busy*"}, false},
		{"{{.Labels}}", nil, true},
		{`{{index .Labels "a"}}`, nil, true},
		{"json", nil, true},
		{"{{json .}}", nil, true},
		{"{{.}}", nil, true},
		{"", []string{"label=a=b"}, true},
		{"", []string{"label!=a"}, true},
	} {
		if got := needsLabels(tc.tmpl, tc.filters); got != tc.want {
			t.Errorf("needsLabels(%q, %q) = %v, want %v", tc.tmpl, tc.filters, got, tc.want)
		}
	}
}
