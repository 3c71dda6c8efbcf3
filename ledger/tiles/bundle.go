package tiles

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/urna-vote/urna/ledger"
)

// ErrBundle is the error of ParseBundle.
var ErrBundle = errors.New("tiles: malformed entry bundle")

// AppendBundle appends the encoding of an entry bundle to b. Each entry is
// written as its length then its bytes:
//
//   - an entry of 1 to 65,535 bytes: its length as a big-endian uint16,
//     as C2SP tlog-tiles specifies;
//   - a longer entry (up to ledger.MaxEntrySize): the two bytes 0x00 0x00,
//     then its length as a big-endian uint32. tlog-tiles cannot carry such
//     an entry; a zero uint16 length is otherwise impossible since entries
//     are never empty, so a generic tlog-tiles client fails on such a
//     bundle (its hashes do not match) rather than misread it.
func AppendBundle(b []byte, entries [][]byte) []byte {
	for _, e := range entries {
		if len(e) <= 0xFFFF {
			b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
		} else {
			b = binary.BigEndian.AppendUint16(b, 0)
			b = binary.BigEndian.AppendUint32(b, uint32(len(e)))
		}
		b = append(b, e...)
	}
	return b
}

// ParseBundle decodes an entry bundle of exactly width entries, strictly:
// canonical lengths, entries that pass ledger.CheckEntry, no trailing
// bytes. The entries alias data.
func ParseBundle(data []byte, width int) ([][]byte, error) {
	if width < 1 || width > Width {
		return nil, fmt.Errorf("%w: width %d", ErrBundle, width)
	}
	entries := make([][]byte, 0, width)
	for len(entries) < width {
		if len(data) < 2 {
			return nil, fmt.Errorf("%w: %d entries of %d", ErrBundle, len(entries), width)
		}
		n := int(binary.BigEndian.Uint16(data))
		data = data[2:]
		if n == 0 {
			if len(data) < 4 {
				return nil, fmt.Errorf("%w: entry %d: cut length", ErrBundle, len(entries))
			}
			m := binary.BigEndian.Uint32(data)
			if m <= 0xFFFF || m > ledger.MaxEntrySize {
				return nil, fmt.Errorf("%w: entry %d: long length %d", ErrBundle, len(entries), m)
			}
			n, data = int(m), data[4:]
		}
		if len(data) < n {
			return nil, fmt.Errorf("%w: entry %d: %d bytes of %d", ErrBundle, len(entries), len(data), n)
		}
		e := data[:n:n]
		if err := ledger.CheckEntry(e); err != nil {
			return nil, fmt.Errorf("%w: entry %d: %v", ErrBundle, len(entries), err)
		}
		entries = append(entries, e)
		data = data[n:]
	}
	if len(data) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after %d entries", ErrBundle, len(data), width)
	}
	return entries, nil
}
