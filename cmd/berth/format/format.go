// Package format renders command output the way podman and docker do for
// their --format flag: a default table, "table <template>", "json", or any Go
// text/template executed once per row.
package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"
	"text/template"
)

// Table geometry: podman's defaults (minimum cell width 12, at least two
// spaces between columns). docker uses (10, 1, 3); berth follows podman.
const (
	tableMinWidth = 12
	tableTabWidth = 2
	tablePadding  = 2
)

type mode int

const (
	modeTemplate mode = iota // one template execution per row, no header
	modeTable                // header row + rows, aligned by tabwriter
	modeJSON                 // one indented JSON array of all rows
)

// Formatter renders a list of rows according to a --format string.
// It is safe to reuse for several Write calls.
type Formatter struct {
	mode   mode
	tmpl   *template.Template
	header string // modeTable: the rendered header line, with its newline
}

// New prepares a formatter for the user's --format value.
//
//   - "" means defaultFormat (normally a "table ..." format).
//   - "table" alone means defaultFormat as a table.
//   - "table <template>" prints a header row, then one row per item, with
//     tab-separated cells aligned. Header cells come from headers (keyed by
//     field name, e.g. "ID": "CONTAINER ID"), else from the field name split
//     into upper-case words ("CreatedAt" becomes "CREATED AT").
//   - "json" prints all rows as one indented JSON array (podman).
//   - anything else is a Go template executed for every row; a newline is
//     added after each row unless the template already ends with one.
//
// Like docker, the two-character sequences `\t` and `\n` typed on a command
// line are turned into a real tab and newline.
func New(format, defaultFormat string, headers map[string]string) (*Formatter, error) {
	if strings.TrimSpace(format) == "" {
		format = defaultFormat
	}
	format = strings.TrimSpace(format)
	if format == "json" {
		return &Formatter{mode: modeJSON}, nil
	}

	body, isTable := cutTable(format)
	if isTable && strings.TrimSpace(body) == "" {
		// "table" alone: the command's default columns, always as a table.
		body, _ = cutTable(strings.TrimSpace(defaultFormat))
	}
	body = unescape(body)
	if isTable {
		body = strings.Trim(body, " ")
	}

	tmpl, err := template.New("format").Funcs(Funcs()).Parse(body)
	if err != nil {
		return nil, fmt.Errorf("template parsing error: %w", err)
	}
	if !isTable {
		return &Formatter{mode: modeTemplate, tmpl: tmpl}, nil
	}
	header := renderHeader(tmpl, headers)
	return &Formatter{mode: modeTable, tmpl: tmpl, header: withNewline(header)}, nil
}

// Shows reports whether a --format value may print field of a row: it
// names the field, prints whole rows ("json", {{json .}}, {{.}}), or (when
// empty) is the command's default, which the caller knows. Commands use it
// to skip work for columns nobody asked for.
func Shows(format, field string) bool {
	for _, s := range []string{field, "json", "{{.}}", "{{ . }}"} {
		if strings.Contains(format, s) {
			return true
		}
	}
	return false
}

// IsJSON reports whether the formatter prints the "json" array form, for
// commands that must then leave out human-oriented extras (warnings on
// stdout, summaries).
func (f *Formatter) IsJSON() bool {
	return f.mode == modeJSON
}

// Write renders rows, a slice or array of structs, maps or pointers to them,
// to w. A non-slice value is rendered as a single row; nil as no rows. The
// output is built in memory and written once, so a template error in the
// middle of a listing prints nothing.
func (f *Formatter) Write(w io.Writer, rows any) error {
	items := rowValues(rows)
	var buf bytes.Buffer
	switch f.mode {
	case modeJSON:
		if err := writeJSON(&buf, items); err != nil {
			return err
		}
	case modeTable:
		tw := tabwriter.NewWriter(&buf, tableMinWidth, tableTabWidth, tablePadding, ' ', 0)
		if _, err := io.WriteString(tw, f.header); err != nil {
			return err
		}
		if err := f.execRows(tw, items); err != nil {
			return err
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	default:
		if err := f.execRows(&buf, items); err != nil {
			return err
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func (f *Formatter) execRows(w io.Writer, items []any) error {
	var row bytes.Buffer
	for _, it := range items {
		row.Reset()
		if err := f.tmpl.Execute(&row, it); err != nil {
			return fmt.Errorf("template execution error: %w", err)
		}
		if b := row.Bytes(); len(b) == 0 || b[len(b)-1] != '\n' {
			row.WriteByte('\n')
		}
		if _, err := w.Write(row.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// writeJSON prints the rows as podman does: an indented array (four spaces),
// "[]" when there are none. HTML characters are not escaped, so commands such
// as "sh -c 'a > b'" stay readable.
func writeJSON(w io.Writer, items []any) error {
	if items == nil {
		items = []any{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(items); err != nil {
		return fmt.Errorf("encoding JSON output: %w", err)
	}
	return nil
}

// rowValues flattens rows into the values a template is executed against.
func rowValues(rows any) []any {
	if rows == nil {
		return nil
	}
	v := reflect.ValueOf(rows)
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = v.Index(i).Interface()
		}
		return out
	}
	return []any{rows}
}

// cutTable strips a leading "table" keyword. It must be the whole word:
// "tablespace {{.X}}" is an ordinary template.
func cutTable(format string) (string, bool) {
	rest, ok := strings.CutPrefix(format, "table")
	if !ok {
		return format, false
	}
	if rest == "" || rest[0] == ' ' || rest[0] == '\t' || strings.HasPrefix(rest, "{{") || strings.HasPrefix(rest, `\t`) {
		return rest, true
	}
	return format, false
}

// unescape turns the literal two-character sequences `\t` and `\n`, which a
// shell passes through unchanged, into a tab and a newline (docker does the
// same, so `--format "{{.ID}}\t{{.Names}}"` works as users expect).
func unescape(s string) string {
	return strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(s)
}

func withNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}
