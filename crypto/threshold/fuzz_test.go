package threshold

import (
	"bytes"
	"testing"

	"github.com/urna-vote/urna/internal/golden"
)

// The fuzz targets are seeded from the vector files, every message of
// their kind (valid and invalid), and fail if that gives no seed.

type seedMessage struct {
	p Params
	b []byte
}

func vectorSeeds(t testing.TB, round int) []seedMessage {
	var file dkgFile
	golden.ReadJSON(t, dkgVectorsPath, &file)
	var out []seedMessage
	for _, c := range file.Ceremonies {
		msgs := c.Round1
		if round == 2 {
			msgs = c.Round2
		} else {
			msgs = append(msgs, c.LateRound1...)
		}
		for _, m := range msgs {
			out = append(out, seedMessage{Params{N: c.N, T: c.T}, mustHexT(t, m.Message)})
		}
	}
	if len(out) == 0 {
		t.Fatalf("no round-%d messages in %s", round, dkgVectorsPath)
	}
	return out
}

func FuzzDecodeRound1(f *testing.F) {
	for _, s := range vectorSeeds(f, 1) {
		f.Add(uint8(s.p.N), uint8(s.p.T), s.b)
	}
	f.Fuzz(func(t *testing.T, n, th uint8, b []byte) {
		m, err := DecodeRound1(Params{N: int(n), T: int(th)}, b)
		if err != nil {
			return
		}
		if !bytes.Equal(m.Encode(), b) {
			t.Fatalf("%x decodes but re-encodes as %x", b, m.Encode())
		}
	})
}

func FuzzDecodeRound2(f *testing.F) {
	for _, s := range vectorSeeds(f, 2) {
		f.Add(uint8(s.p.N), s.b)
	}
	f.Fuzz(func(t *testing.T, n uint8, b []byte) {
		m, err := DecodeRound2(Params{N: int(n), T: 1}, b)
		if err != nil {
			return
		}
		if !bytes.Equal(m.Encode(), b) {
			t.Fatalf("%x decodes but re-encodes as %x", b, m.Encode())
		}
	})
}

func FuzzDecodeDecryptionShare(f *testing.F) {
	var file decryptFile
	golden.ReadJSON(f, decryptVectorsPath, &file)
	if len(file.Shares) == 0 {
		f.Fatalf("no decryption shares in %s", decryptVectorsPath)
	}
	for _, s := range file.Shares {
		f.Add(mustHexT(f, s.Message))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := DecodeDecryptionShare(b)
		if err != nil {
			return
		}
		if !bytes.Equal(ds.Encode(), b) {
			t.Fatalf("%x decodes but re-encodes as %x", b, ds.Encode())
		}
	})
}

// FuzzCeremony feeds arbitrary messages to the public Ceremony of the
// honest 4-of-7 vector ceremony, after its valid round 1: whatever comes,
// it returns an error or records the message, and never panics.
func FuzzCeremony(f *testing.F) {
	var file dkgFile
	golden.ReadJSON(f, dkgVectorsPath, &file)
	cv := file.Ceremonies[0]
	for _, s := range vectorSeeds(f, 1) {
		f.Add(uint8(1), uint8(1), s.b)
	}
	for _, s := range vectorSeeds(f, 2) {
		f.Add(uint8(2), s.b[2], s.b)
	}
	var ctx [32]byte
	copy(ctx[:], mustHexT(f, cv.Context))
	var pubs [][]byte
	for _, k := range cv.LongTermPublicKeys {
		pubs = append(pubs, mustHexT(f, k))
	}
	setup, err := NewSetup(Params{N: cv.N, T: cv.T}, ctx, pubs)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, round, guardian uint8, b []byte) {
		c := NewCeremony(setup)
		for _, m := range cv.Round1 {
			if m.Error == "" && (round%2 == 0 || m.Guardian != int(guardian)) {
				if err := c.AddRound1(m.Guardian, mustHexT(t, m.Message)); err != nil {
					t.Fatal(err)
				}
			}
		}
		var err error
		if round%2 == 1 {
			err = c.AddRound1(int(guardian), b)
		} else {
			err = c.AddRound2(int(guardian), b)
		}
		if err == nil && round%2 == 1 && !bytes.Equal(c.raw1[guardian-1], b) {
			t.Fatal("an accepted deal is not recorded as sent")
		}
		c.Result()
	})
}
