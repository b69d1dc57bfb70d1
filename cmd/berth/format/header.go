package format

import (
	"strings"
	"text/template"
	"text/template/parse"
	"unicode"
)

// renderHeader builds the header line of a table from the template itself:
// literal text is kept (so tabs line up the same way as in the rows) and
// every action is replaced by the name of the field it prints. Walking the
// parse tree instead of executing the template against a map of names (what
// docker does) means the header never fails on method calls, nested fields
// or functions that expect a particular type, and needs no sample row.
func renderHeader(t *template.Template, headers map[string]string) string {
	if t.Tree == nil || t.Tree.Root == nil {
		return ""
	}
	var b strings.Builder
	writeHeaderNodes(&b, t.Tree.Root.Nodes, headers)
	return b.String()
}

func writeHeaderNodes(b *strings.Builder, nodes []parse.Node, headers map[string]string) {
	for _, n := range nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			b.Write(n.Text)
		case *parse.ActionNode:
			// {{$x := .Foo}} prints nothing, in the rows or in the header.
			if len(n.Pipe.Decl) == 0 {
				b.WriteString(headerFor(fieldOfPipe(n.Pipe), headers))
			}
		case *parse.IfNode:
			// A conditional cell is titled by what it tests:
			// {{if .Running}}up{{else}}down{{end}} is the RUNNING column.
			b.WriteString(headerFor(fieldOfPipe(n.Pipe), headers))
		case *parse.RangeNode:
			b.WriteString(headerFor(fieldOfPipe(n.Pipe), headers))
		case *parse.WithNode:
			b.WriteString(headerFor(fieldOfPipe(n.Pipe), headers))
		case *parse.ListNode:
			writeHeaderNodes(b, n.Nodes, headers)
		}
	}
}

// fieldOfPipe finds the first field a pipeline reads, e.g. ["Labels"] for
// {{json .Labels}} and ["ID"] for {{.ID | truncate 12}}.
func fieldOfPipe(p *parse.PipeNode) []string {
	if p == nil {
		return nil
	}
	for _, c := range p.Cmds {
		for _, arg := range c.Args {
			if f := fieldOfNode(arg); f != nil {
				return f
			}
		}
	}
	return nil
}

func fieldOfNode(n parse.Node) []string {
	switch n := n.(type) {
	case *parse.FieldNode:
		return n.Ident
	case *parse.ChainNode:
		if f := fieldOfNode(n.Node); f != nil {
			return append(append([]string(nil), f...), n.Field...)
		}
		return n.Field
	case *parse.VariableNode:
		if len(n.Ident) > 1 { // $x.Foo: the field after the variable name
			return n.Ident[1:]
		}
	case *parse.PipeNode:
		return fieldOfPipe(n)
	}
	return nil
}

// headerFor names the column of a field path. An explicit entry in headers
// wins (the full path "Config.Image" first, then for a single field its
// name); otherwise the last path element is split into words.
func headerFor(path []string, headers map[string]string) string {
	if len(path) == 0 {
		return ""
	}
	if h, ok := headers[strings.Join(path, ".")]; ok {
		return h
	}
	last := path[len(path)-1]
	if h, ok := headers[last]; ok && len(path) == 1 {
		return h
	}
	return HeaderName(last)
}

// HeaderName turns a Go field name into a table header the way podman and
// docker spell theirs: words split at case changes and upper-cased, with
// acronyms kept together ("CreatedAt" → "CREATED AT", "ImageID" → "IMAGE ID",
// "CPUPerc" → "CPU PERC", "PIDs" → "PIDS"); underscores become spaces.
func HeaderName(field string) string {
	rs := []rune(field)
	var b strings.Builder
	for i, r := range rs {
		if r == '_' {
			if b.Len() > 0 && !strings.HasSuffix(b.String(), " ") {
				b.WriteByte(' ')
			}
			continue
		}
		if i > 0 && wordStart(rs, i) && !strings.HasSuffix(b.String(), " ") {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return strings.TrimSpace(b.String())
}

// wordStart reports whether rs[i] (i > 0) begins a new word: an upper-case
// letter after a lower-case letter or digit ("createdAt"), or the last
// capital of an acronym followed by a lower-case word of two or more letters
// ("CPUPerc" splits before "Perc", but the plural in "IDs" stays attached).
func wordStart(rs []rune, i int) bool {
	r, prev := rs[i], rs[i-1]
	if !unicode.IsUpper(r) {
		return false
	}
	if unicode.IsLower(prev) || unicode.IsDigit(prev) {
		return true
	}
	if unicode.IsUpper(prev) {
		lower := 0
		for j := i + 1; j < len(rs) && unicode.IsLower(rs[j]); j++ {
			lower++
		}
		return lower >= 2
	}
	return false
}
