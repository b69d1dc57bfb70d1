package format

import (
	"testing"
	"time"
)

// Expected strings are what docker and podman print for these values.
func TestHumanDuration(t *testing.T) {
	const (
		day   = 24 * time.Hour
		week  = 7 * day
		month = 30 * day
		year  = 365 * day
	)
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-5 * time.Second, "Less than a second"},
		{0, "Less than a second"},
		{450 * time.Millisecond, "Less than a second"},
		{time.Second, "1 second"},
		{5 * time.Second, "5 seconds"},
		{59 * time.Second, "59 seconds"},
		{60 * time.Second, "About a minute"},
		{119 * time.Second, "About a minute"},
		{3 * time.Minute, "3 minutes"},
		{59 * time.Minute, "59 minutes"},
		{time.Hour, "About an hour"},
		{time.Hour + 29*time.Minute, "About an hour"},
		{time.Hour + 31*time.Minute, "2 hours"},
		{24 * time.Hour, "24 hours"},
		{day + 12*time.Hour, "36 hours"},
		{2 * day, "2 days"},
		{13*day + 5*time.Hour, "13 days"},
		{2 * week, "2 weeks"},
		{3 * week, "3 weeks"},
		{month, "4 weeks"},
		{month + 2*week, "6 weeks"},
		{2 * month, "2 months"},
		{4 * month, "4 months"},
		{24 * month, "24 months"},
		{24*month + 2*week, "2 years"},
		{3*year + 2*month, "3 years"},
	}
	for _, tt := range tests {
		if got := HumanDuration(tt.d); got != tt.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestHumanSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0B"},
		{1, "1B"},
		{999, "999B"},
		{1000, "1kB"},
		{1024, "1.02kB"},
		{1150, "1.15kB"},
		{999_499, "999kB"},
		{999_999, "1e+03kB"}, // go-units quirk, reproduced on purpose
		{1_000_000, "1MB"},
		{1_048_576, "1.05MB"},
		{2_100_000, "2.1MB"},
		{4_261_000, "4.26MB"},
		{77_800_000, "77.8MB"},
		{123_456_789, "123MB"},
		{7_000_000_000, "7GB"},
		{5_372_000_000_000, "5.37TB"},
	}
	for _, tt := range tests {
		if got := HumanSize(tt.n); got != tt.want {
			t.Errorf("HumanSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestTimeAgo(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		t    time.Time
		want string
	}{
		{now, "Less than a second ago"},
		{now.Add(-3 * time.Second), "3 seconds ago"},
		{now.Add(-90 * time.Second), "About a minute ago"},
		{now.Add(-2 * time.Hour), "2 hours ago"},
		{now.Add(-15 * 24 * time.Hour), "2 weeks ago"},
		{now.Add(time.Minute), "Less than a second ago"}, // clock skew: never negative
	}
	for _, tt := range tests {
		if got := TimeAgo(tt.t, now); got != tt.want {
			t.Errorf("TimeAgo(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}
