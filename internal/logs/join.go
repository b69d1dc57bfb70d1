package logs

// joiner turns records into logical lines. conmon tags a record "P" when
// the text it read did not end in a newline; the rest of that line arrives
// in later records of the same stream, the last one tagged "F". Records of
// the other stream may come in between, so pending text is kept per stream.
type joiner struct {
	pending [2]pendingLine
	seq     uint64
}

type pendingLine struct {
	active bool
	text   []byte
	last   Line   // the newest fragment (time, stream)
	seq    uint64 // order of the newest fragment, for flush
}

// add feeds one record and returns the logical line it completes, if any.
// A joined line carries the time of its final record.
func (j *joiner) add(rec Line) (Line, bool) {
	p := &j.pending[streamIndex(rec.Stream)]
	if rec.Partial {
		j.seq++
		p.active = true
		p.text = append(p.text, rec.Text...)
		p.last = rec
		p.seq = j.seq
		return Line{}, false
	}
	out := Line{Time: rec.Time, Stream: rec.Stream, Text: rec.Text}
	if p.active {
		out.Text = string(p.text) + rec.Text
		p.reset()
	}
	return out, true
}

// flush returns the lines still waiting for their final record, oldest
// first, marked Partial. conmon 2.1.6 leaves a partial record without a
// closing "F" when a container exits mid-line (notes/conmon.md), so at the
// end of a log such text is a complete line.
func (j *joiner) flush() []Line {
	var out []Line
	a, b := &j.pending[0], &j.pending[1]
	if a.active && b.active && b.seq < a.seq {
		a, b = b, a
	}
	for _, p := range []*pendingLine{a, b} {
		if p.active {
			out = append(out, Line{Time: p.last.Time, Stream: p.last.Stream, Partial: true, Text: string(p.text)})
			p.reset()
		}
	}
	return out
}

// reset forgets the pending text once its line has been emitted.
func (p *pendingLine) reset() {
	p.active = false
	p.text = p.text[:0]
	p.last = Line{}
}
