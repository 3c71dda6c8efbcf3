package threshold

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

func isErr(err, target error) bool { return errors.Is(err, target) }

// seedFromVectors adds every message of a kind from the vector file.
func seedFromVectors(f *testing.F, pick func(v *vectorFile) []messageVector) {
	b, err := os.ReadFile("testdata/threshold_vectors.json")
	if err != nil {
		f.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		f.Fatal(err)
	}
	n := 0
	for _, m := range pick(&v) {
		f.Add(mustHex(f, m.Message))
		n++
	}
	if n == 0 {
		f.Fatal("no seeds in the vector file")
	}
}

func FuzzDecodeRound1(f *testing.F) {
	seedFromVectors(f, func(v *vectorFile) []messageVector { return v.Round1 })
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeRound1(Default, b)
		if err == nil && !bytes.Equal(m.Encode(), b) {
			t.Fatal("round 1 does not re-encode")
		}
	})
}

func FuzzDecodeRound2(f *testing.F) {
	seedFromVectors(f, func(v *vectorFile) []messageVector { return v.Round2 })
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeRound2(Default, b)
		if err == nil && !bytes.Equal(m.Encode(), b) {
			t.Fatal("round 2 does not re-encode")
		}
	})
}

func FuzzDecodeDecryptionShare(f *testing.F) {
	seedFromVectors(f, func(v *vectorFile) []messageVector { return v.Shares })
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := DecodeDecryptionShare(b)
		if err == nil && !bytes.Equal(ds.Encode(), b) {
			t.Fatal("decryption share does not re-encode")
		}
	})
}
