package format

import (
	"bytes"
	"encoding/json"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"
)

// Funcs returns the template functions available in --format strings: the
// set docker documents (json, join, split, lower, upper, title, pad,
// truncate; println and len are text/template built-ins). A fresh map is
// returned so callers may add command-specific functions.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"json":     jsonString,
		"join":     strings.Join,
		"split":    strings.Split,
		"lower":    strings.ToLower,
		"upper":    strings.ToUpper,
		"title":    title,
		"pad":      pad,
		"truncate": truncate,
	}
}

// jsonString is the "json" template function: compact JSON without HTML
// escaping (so "a > b" stays readable) and without the encoder's trailing
// newline.
func jsonString(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// title upper-cases the first letter of every word. strings.Title is
// deprecated; this keeps its simple word rule (a word starts after anything
// that is not a letter, digit, underscore or apostrophe), which is what
// docker users expect from {{title .}}.
func title(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	prev := ' '
	for _, r := range s {
		if isWordSeparator(prev) {
			b.WriteRune(unicode.ToTitle(r))
		} else {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

func isWordSeparator(r rune) bool {
	switch {
	case unicode.IsLetter(r), unicode.IsDigit(r), r == '_', r == '\'':
		return false
	}
	return true
}

// pad surrounds a non-empty s with prefix and suffix spaces; empty strings
// stay empty so that optional columns do not leave stray blanks.
func pad(s string, prefix, suffix int) string {
	if s == "" {
		return s
	}
	return strings.Repeat(" ", max(prefix, 0)) + s + strings.Repeat(" ", max(suffix, 0))
}

// truncate keeps the first n characters of s. It counts runes, not bytes, so
// it never cuts a multi-byte character in half (docker counts bytes; the
// result is the same for ASCII).
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
