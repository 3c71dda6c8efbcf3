package ledger

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
)

// MaxEntrySize bounds an entry: 1 MiB, the bound of package election.
const MaxEntrySize = 1 << 20

// CheckEntry checks what the ledger requires of any entry: it is not empty,
// it is at most MaxEntrySize bytes and it holds no newline, so that a log
// exports as one entry per line. The ledger never looks further into an
// entry.
func CheckEntry(e []byte) error {
	switch {
	case len(e) == 0:
		return fmt.Errorf("%w: empty", ErrInvalidEntry)
	case len(e) > MaxEntrySize:
		return fmt.Errorf("%w: %d bytes exceeds %d", ErrInvalidEntry, len(e), MaxEntrySize)
	}
	if i := bytes.IndexByte(e, '\n'); i >= 0 {
		return fmt.Errorf("%w: newline at byte %d", ErrInvalidEntry, i)
	}
	return nil
}

// WriteJSONL writes entries one per line, each followed by a newline: the
// export format of a log (ledger.jsonl). Each entry is checked with
// CheckEntry first. It returns the number of entries written.
func WriteJSONL(w io.Writer, entries iter.Seq2[[]byte, error]) (uint64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	var n uint64
	for e, err := range entries {
		if err != nil {
			return n, err
		}
		if err := CheckEntry(e); err != nil {
			return n, fmt.Errorf("ledger: entry %d: %w", n, err)
		}
		bw.Write(e)
		if err := bw.WriteByte('\n'); err != nil {
			return n, fmt.Errorf("ledger: writing entry %d: %w", n, err)
		}
		n++
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("ledger: writing: %w", err)
	}
	return n, nil
}

// ReadJSONL reads a log written by WriteJSONL, strictly: every line is an
// entry that passes CheckEntry (so no empty line), and the last line ends
// with a newline, so a log cut short is an error, not a shorter log. The
// iterator stops after the first error, which wraps ErrMalformed. Each
// entry yielded is a fresh slice.
func ReadJSONL(r io.Reader) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		br := bufio.NewReaderSize(r, 1<<16)
		for n := uint64(0); ; n++ {
			line, err := readLine(br)
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(nil, fmt.Errorf("ledger: line %d: %w", n+1, err))
				return
			}
			if !yield(line, nil) {
				return
			}
		}
	}
}

// readLine reads one line of at most MaxEntrySize bytes plus its newline.
// It returns io.EOF only at a clean end of input.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > MaxEntrySize+1 {
			return nil, fmt.Errorf("%w: entry longer than %d bytes", ErrMalformed, MaxEntrySize)
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			line = line[:len(line)-1]
			if len(line) == 0 {
				return nil, fmt.Errorf("%w: empty line", ErrMalformed)
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(line) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return nil, fmt.Errorf("%w: last line has no newline (truncated log?)", ErrMalformed)
		default:
			return nil, err
		}
	}
}

// sliceEntries iterates over entries held in memory.
func sliceEntries(entries [][]byte) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}
