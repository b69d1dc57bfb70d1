package logs

import (
	"bytes"
	"fmt"
	"io"
)

// tailBlock is how much of the file the backwards scan reads at a time.
const tailBlock = 64 << 10

// tailStart finds where to start reading forward so that the last n logical
// lines of r[0:end) are read whole, scanning backwards from end one block at
// a time instead of parsing the whole file.
//
// Counting lines backwards: an "F" record completes one line; the "P"
// records of the same stream just before it (other streams may be
// interleaved) are its beginning. A "P" record with no later record of its
// stream is a line cut short at the end of the log: complete when not
// following, still being written when following (then it is read but not
// counted). The scan stops when n lines are counted and every counted line
// has been seen back to its first fragment.
//
// The forward pass from the returned offset can still produce a few older
// lines of the other stream (whose records lie between), so the caller keeps
// only the last n lines it reads. One loss is accepted for speed: a stream
// whose very last record is a "P" lying before all n counted lines is not
// looked for, since finding it could mean scanning the whole file.
func tailStart(r io.ReaderAt, end int64, n int, follow bool, block int) (int64, error) {
	if n < 0 {
		return 0, nil
	}
	const (
		unseen = iota // no record of this stream seen yet (scanning backwards)
		open          // inside a counted line: earlier "P" records belong to it
		closed        // past what is needed
	)
	var state [2]int
	count := 0
	start := end
	s := backScanner{r: r, pos: end, block: block}
	first := true
	for count < n || state[0] == open || state[1] == open {
		line, off, ok, err := s.prev()
		if err != nil {
			return 0, fmt.Errorf("reading log backwards: %w", err)
		}
		if !ok {
			break
		}
		if first {
			first = false
			if line[len(line)-1] != '\n' {
				continue // a record still being written: the forward pass sees it
			}
		}
		_, stream, partial, _, err := splitRecord(bytes.TrimSuffix(line, []byte{'\n'}))
		if err != nil {
			continue // garbage is skipped in both directions
		}
		switch state[stream] {
		case closed:
			continue
		case open:
			if partial {
				start = off
				continue
			}
			// The end of an older line of this stream.
			if count >= n {
				state[stream] = closed
				continue
			}
			count++
			start = off
		case unseen:
			switch {
			case partial:
				if !follow {
					count++
				}
				state[stream] = open
				start = off
			case count < n:
				count++
				state[stream] = open
				start = off
			default:
				state[stream] = closed
			}
		}
	}
	return start, nil
}

// backScanner returns the lines of r[0:pos) from last to first.
type backScanner struct {
	r     io.ReaderAt
	pos   int64  // file offset of buf[0]
	buf   []byte // not yet returned bytes, ending where the next line ends
	block int
}

// prev returns the previous line with its newline (the very last line may
// lack one) and its offset; ok is false at the start of the file.
func (s *backScanner) prev() (line []byte, off int64, ok bool, err error) {
	for {
		search := s.buf
		if n := len(search); n > 0 && search[n-1] == '\n' {
			search = search[:n-1]
		}
		if i := bytes.LastIndexByte(search, '\n'); i >= 0 {
			line = s.buf[i+1:]
			s.buf = s.buf[:i+1]
			return line, s.pos + int64(i) + 1, true, nil
		}
		if s.pos == 0 {
			if len(s.buf) == 0 {
				return nil, 0, false, nil
			}
			line, s.buf = s.buf, nil
			return line, 0, true, nil
		}
		// The line starts before buf: prepend one more block.
		n := int64(s.block)
		if n > s.pos {
			n = s.pos
		}
		nb := make([]byte, int(n)+len(s.buf))
		if _, err := s.r.ReadAt(nb[:n], s.pos-n); err != nil {
			return nil, 0, false, err
		}
		copy(nb[n:], s.buf)
		s.buf = nb
		s.pos -= n
	}
}
