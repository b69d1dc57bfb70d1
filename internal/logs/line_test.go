package logs

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// conmonLayout is how conmon 2.1.6 prints record times: always nine
// fractional digits and a numeric offset (notes/conmon.md, section 5).
const conmonLayout = "2006-01-02T15:04:05.000000000-07:00"

func TestParseLine(t *testing.T) {
	ts := time.Date(2026, 11, 28, 17, 27, 54, 681504582, time.UTC)
	tests := []struct {
		in   string
		want Line
	}{
		{"2026-11-28T17:27:54.681504582+00:00 stdout F hello-out\n", Line{ts, "stdout", false, "hello-out"}},
		{"2026-11-28T17:27:54.681504582+00:00 stdout F hello-out", Line{ts, "stdout", false, "hello-out"}},
		{"2026-11-28T17:27:54.681504582+00:00 stdout P partial\n", Line{ts, "stdout", true, "partial"}},
		{"2026-11-28T17:27:54.681504582+00:00 stderr F hello-err\n", Line{ts, "stderr", false, "hello-err"}},
		{"2026-11-28T17:27:54.681504582+00:00 stdout F \n", Line{ts, "stdout", false, ""}},
		{"2026-11-28T17:27:54.681504582+00:00 stdout F", Line{ts, "stdout", false, ""}},
		{"2026-11-28T17:27:54.681504582+00:00 stdout F  two  spaces \n", Line{ts, "stdout", false, " two  spaces "}},
		{"2026-11-28T17:27:54.681504582+00:00 stdout F 30 100\r\n", Line{ts, "stdout", false, "30 100\r"}},
		{"2026-11-28T18:27:54.681504582+01:00 stdout F tz", Line{ts, "stdout", false, "tz"}},
		{"2026-11-28T17:27:54Z stdout F no-fraction", Line{ts.Truncate(time.Second), "stdout", false, "no-fraction"}},
	}
	for _, tt := range tests {
		got, err := ParseLine([]byte(tt.in))
		if err != nil {
			t.Errorf("ParseLine(%q): %v", tt.in, err)
			continue
		}
		if !got.Time.Equal(tt.want.Time) || got.Stream != tt.want.Stream || got.Partial != tt.want.Partial || got.Text != tt.want.Text {
			t.Errorf("ParseLine(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}

	bad := []string{
		"",
		"\n",
		"garbage",
		"2026-11-28T17:27:54.681504582+00:00",
		"2026-11-28T17:27:54.681504582+00:00 stdout",
		"2026-11-28T17:27:54.681504582+00:00 stdin F x",
		"2026-11-28T17:27:54.681504582+00:00 stdout X x",
		"2026-11-28T17:27:54.681504582+00:00 stdout FP x",
		"2026-11-28T17:27:54.681504582+00:00 stdout  F x",
		"yesterday stdout F x",
		"2026-11-28 17:27:54 stdout F x",
		" stdout F x",
	}
	for _, in := range bad {
		if l, err := ParseLine([]byte(in)); !errors.Is(err, ErrInvalidLine) {
			t.Errorf("ParseLine(%q) = %+v, %v; want ErrInvalidLine", in, l, err)
		}
	}
}

func TestWrite(t *testing.T) {
	ts := time.Date(2026, 11, 28, 17, 27, 54, 681504500, time.UTC)
	tests := []struct {
		l          Line
		timestamps bool
		out, err   string
	}{
		{Line{ts, "stdout", false, "hi"}, false, "hi\n", ""},
		{Line{ts, "stderr", false, "oops"}, false, "", "oops\n"},
		{Line{ts, "stdout", true, "no newline"}, false, "no newline\n", ""},
		{Line{ts, "stdout", false, "hi"}, true, "2026-11-28T17:27:54.6815045Z hi\n", ""},
		{Line{ts.In(time.FixedZone("", 3600)), "stderr", false, ""}, true, "", "2026-11-28T18:27:54.6815045+01:00 \n"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if err := Write(&out, &errb, tt.l, tt.timestamps); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.out || errb.String() != tt.err {
			t.Errorf("Write(%+v, %v): stdout %q stderr %q, want %q %q", tt.l, tt.timestamps, out.String(), errb.String(), tt.out, tt.err)
		}
	}
	// A nil writer discards its stream.
	if err := Write(nil, nil, Line{Stream: "stdout", Text: "x"}, false); err != nil {
		t.Fatal(err)
	}
}

// rec renders one record the way conmon writes it.
func rec(t time.Time, stream, tag, text string) string {
	return t.Format(conmonLayout) + " " + stream + " " + tag + " " + text + "\n"
}

func TestRecHelperMatchesConmon(t *testing.T) {
	ts := time.Date(2026, 11, 28, 17, 27, 54, 681504582, time.UTC)
	want := "2026-11-28T17:27:54.681504582+00:00 stdout F hello-out\n"
	if got := rec(ts, "stdout", "F", "hello-out"); got != want {
		t.Fatalf("rec = %q, want %q", got, want)
	}
	if !strings.HasSuffix(rec(ts, "stdout", "F", ""), "F \n") {
		t.Fatal("empty line must keep the space after the tag")
	}
}
