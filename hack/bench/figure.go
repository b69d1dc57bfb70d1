package main

import (
	"fmt"
	"strings"
)

// figure is one measured quantity, with a result per engine.
type figure struct {
	name    string
	unit    string // "ms" (lower is better) or "/s" (higher is better)
	stat    string // what value is, when not the median ("p99")
	results map[string]result
}

// result is one engine's value for a figure, or why there is none.
type result struct {
	value float64
	n     int    // samples behind value
	err   error  // the measurement failed
	skip  string // the measurement was not attempted, and why
}

func newFigure(name, engine string, r result) *figure {
	return &figure{name: name, unit: "ms", results: map[string]result{engine: r}}
}

func newRateFigure(name, engine string, r result) *figure {
	f := newFigure(name, engine, r)
	f.unit = "/s"
	return f
}

// mergeFigures adds the results of more to the figures of the same name in
// figs, keeping the order in which names first appeared.
func mergeFigures(figs, more []*figure) []*figure {
	for _, m := range more {
		merged := false
		for _, f := range figs {
			if f.name == m.name {
				for k, v := range m.results {
					f.results[k] = v
				}
				merged = true
				break
			}
		}
		if !merged {
			figs = append(figs, m)
		}
	}
	return figs
}

func (f *figure) label() string {
	if f.unit == "/s" {
		return f.name + " (containers/s)"
	}
	if f.stat != "" {
		return f.name + " (" + f.stat + ")"
	}
	return f.name + " (median)"
}

func (r result) ok() bool { return r.err == nil && r.skip == "" && r.n > 0 }

func (r result) format(unit string) string {
	switch {
	case r.err != nil:
		return "failed"
	case r.skip != "":
		return "skipped"
	case r.n == 0:
		return "-"
	case unit == "/s":
		return fmt.Sprintf("%.1f /s", r.value)
	default:
		return fmt.Sprintf("%.1f ms", r.value)
	}
}

// ratio is a/b with the direction that is better, e.g. "0.42 (lower is
// better)".
func (f *figure) ratio(a, b string) string {
	ra, rb := f.results[a], f.results[b]
	if !ra.ok() || !rb.ok() || rb.value == 0 {
		return "-"
	}
	better := "lower is better"
	if f.unit == "/s" {
		better = "higher is better"
	}
	return fmt.Sprintf("%.2f (%s)", ra.value/rb.value, better)
}

// notes lists, once each, why figures are missing.
func notes(figs []*figure, engines []*engine) []string {
	var out []string
	for _, f := range figs {
		seen := map[string]bool{}
		for _, e := range engines {
			r := f.results[e.name]
			var msg string
			switch {
			case r.err != nil:
				msg = fmt.Sprintf("%s, %s: failed: %v", f.name, e.name, r.err)
			case r.skip != "":
				msg = fmt.Sprintf("%s: %s", f.name, r.skip)
			default:
				continue
			}
			if !seen[msg] {
				seen[msg] = true
				out = append(out, strings.TrimSpace(msg))
			}
		}
	}
	return out
}
