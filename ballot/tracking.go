package ballot

import (
	"fmt"
	"strings"

	"github.com/urna-vote/urna/crypto/transcript"
)

// TrackingCodeLen is the number of symbols of a tracking code (80 bits).
const TrackingCodeLen = 16

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// TrackingCode returns the ballot's tracking code: the first 80 bits of the
// transcript digest "urna/v1/tracking" over the ballot hash, written as 16
// Crockford base-32 symbols in four groups, like 7KQ2-M9XD-4TRB-PW3E. The
// ledger accepts a ballot only if its tracking code is not already on it, so
// two voters can never be shown the same code.
func (b *Ballot) TrackingCode() string { return TrackingCodeOf(b.hash) }

// TrackingCodeOf returns the tracking code of the ballot with hash h.
func TrackingCodeOf(h [32]byte) string {
	d := transcript.New("urna/v1/tracking").Bytes("ballot", h[:]).Digest("tracking/code")
	var sb strings.Builder
	var acc uint64
	bits := 0
	n := 0
	for _, by := range d[:10] {
		acc = acc<<8 | uint64(by)
		bits += 8
		for bits >= 5 {
			bits -= 5
			if n > 0 && n%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(crockford[(acc>>bits)&31])
			n++
		}
	}
	return sb.String()
}

// NormalizeTrackingCode accepts a code as a person types it — any case,
// with or without dashes and spaces, O for 0, I and L for 1 — and returns its
// canonical form, or an error saying what is wrong.
func NormalizeTrackingCode(s string) (string, error) {
	var sym []byte
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(crockford, r) {
			return "", fmt.Errorf("tracking code: %q is not a valid symbol", r)
		}
		sym = append(sym, byte(r))
		if len(sym) > TrackingCodeLen {
			return "", fmt.Errorf("tracking code: longer than %d symbols", TrackingCodeLen)
		}
	}
	if len(sym) != TrackingCodeLen {
		return "", fmt.Errorf("tracking code: %d symbols, want %d", len(sym), TrackingCodeLen)
	}
	var sb strings.Builder
	for i, c := range sym {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(c)
	}
	return sb.String(), nil
}
