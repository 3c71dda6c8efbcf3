package election

import "testing"

// Tracking codes are map keys of their whole canonical form: codes that
// differ only in the last symbol are different keys.
func TestTrackingCodeKeys(t *testing.T) {
	a, b := "7KQ2-M9XD-4TRB-PW3E", "7KQ2-M9XD-4TRB-PW3F"
	if len(a) != codeKeyLen || keyOf(a) == keyOf(b) {
		t.Fatalf("keys of %s and %s collide (key length %d)", a, b, codeKeyLen)
	}
}
