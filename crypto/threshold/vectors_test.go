package threshold

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"github.com/urna-vote/urna/internal/golden"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/internal/seeded"
)

// The vectors are generated from the published seed below by
//
//	go test ./crypto/threshold -run TestVectors -update
//
// and organised by round. Without -update the test regenerates them in
// memory, demands the stored file be identical, and replays the stored
// messages through the public Ceremony.
const vectorSeed = "urna threshold vectors v1"

type vectorFile struct {
	Seed       string          `json:"seed"`
	N          int             `json:"n"`
	T          int             `json:"t"`
	Context    string          `json:"ceremony_context"`
	Keys       []string        `json:"guardian_keys"`
	Round1     []messageVector `json:"round1"`
	Round2     []messageVector `json:"round2"`
	JointKey   string          `json:"joint_key"`
	Qualified  []int           `json:"qualified"`
	Public     []string        `json:"public_shares"`
	Tally      []string        `json:"tally_ciphertexts"`
	Shares     []messageVector `json:"decryption_shares"`
	Plaintexts []uint64        `json:"plaintexts"`
}

type messageVector struct {
	Desc     string `json:"desc"`
	Guardian int    `json:"guardian"`
	Message  string `json:"message"`
	WantErr  string `json:"wantErr,omitempty"`
}

func generateVectors(t *testing.T) []byte {
	rnd := seeded.Reader(vectorSeed)
	p := Default
	f := newCeremony(t, p, rnd, nil)
	v := vectorFile{Seed: vectorSeed, N: p.N, T: p.T, Context: hex.EncodeToString(f.ctx[:])}
	for _, g := range f.guardians {
		v.Keys = append(v.Keys, hex.EncodeToString(g.keys[g.index-1]))
	}
	for i := 1; i <= p.N; i++ {
		v.Round1 = append(v.Round1, messageVector{Desc: "valid deal", Guardian: i, Message: hex.EncodeToString(f.c.round1[i].Encode())})
	}
	// Negative round-1 vectors.
	good := f.c.round1[2].Encode()
	rogue := append([]byte(nil), good...)
	copy(rogue[2:34], ristretto255.NewIdentityElement().FromUniformBytes(bytes.Repeat([]byte{7}, 64)).Bytes())
	v.Round1 = append(v.Round1,
		messageVector{Desc: "rogue key: constant commitment replaced, proof of knowledge fails", Guardian: 2, Message: hex.EncodeToString(rogue), WantErr: "invalid"},
		messageVector{Desc: "truncated", Guardian: 2, Message: hex.EncodeToString(good[:len(good)-1]), WantErr: "malformed"},
		messageVector{Desc: "identity commitment", Guardian: 2, Message: hex.EncodeToString(append(append(append([]byte(nil), good[:2]...), make([]byte, 32)...), good[34:]...)), WantErr: "malformed"},
		messageVector{Desc: "claims another guardian", Guardian: 3, Message: hex.EncodeToString(good), WantErr: "invalid"},
	)
	for i := 1; i <= p.N; i++ {
		v.Round2 = append(v.Round2, messageVector{Desc: "no complaints", Guardian: i, Message: hex.EncodeToString(f.c.round2[i].Encode())})
	}
	v.JointKey = hex.EncodeToString(f.result.Key.Bytes())
	v.Qualified = f.result.Qualified
	for _, x := range f.result.PublicShares {
		v.Public = append(v.Public, hex.EncodeToString(x.Bytes()))
	}
	v.Plaintexts = []uint64{0, 1, 42, 1000}
	pk := elgamal.NewPublicKey(f.result.Key)
	var cts []*elgamal.Ciphertext
	for _, m := range v.Plaintexts {
		r, _ := group.RandomSecret(rnd)
		ct := elgamal.Encrypt(pk, m, r)
		cts = append(cts, ct)
		v.Tally = append(v.Tally, hex.EncodeToString(ct.Bytes()))
	}
	var electionCtx [32]byte
	copy(electionCtx[:], f.ctx[:])
	for _, i := range []int{1, 3, 5, 7} {
		ds, err := PartialDecrypt(f.shares[i], cts, electionCtx, rnd)
		if err != nil {
			t.Fatal(err)
		}
		v.Shares = append(v.Shares, messageVector{Desc: "valid share", Guardian: i, Message: hex.EncodeToString(ds.Encode())})
	}
	bad := append([]byte(nil), mustHex(t, v.Shares[0].Message)...)
	bad[5+32+64] ^= 1 // the lowest byte of the first response z
	v.Shares = append(v.Shares, messageVector{Desc: "proof response altered", Guardian: 1, Message: hex.EncodeToString(bad), WantErr: "invalid"})
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVectors(t *testing.T) {
	const path = "testdata/threshold_vectors.json"
	stored := generateVectors(t)
	golden.Check(t, path, stored)
	var v vectorFile
	if err := json.Unmarshal(stored, &v); err != nil {
		t.Fatal(err)
	}
	replayVectors(t, &v)
}

// replayVectors checks the stored vectors with the public side only.
func replayVectors(t *testing.T, v *vectorFile) {
	p := Params{N: v.N, T: v.T}
	var ctx [32]byte
	copy(ctx[:], mustHex(t, v.Context))
	var keys [][]byte
	for _, k := range v.Keys {
		keys = append(keys, mustHex(t, k))
	}
	c, err := NewCeremony(p, ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range v.Round1 {
		checkErr(t, m, c.AddRound1(m.Guardian, mustHex(t, m.Message)))
	}
	for _, m := range v.Round2 {
		checkErr(t, m, c.AddRound2(m.Guardian, mustHex(t, m.Message)))
	}
	res, err := c.Result()
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(res.Key.Bytes()) != v.JointKey {
		t.Fatal("joint key differs")
	}
	var cts []*elgamal.Ciphertext
	for _, s := range v.Tally {
		ct, err := elgamal.DecodeCiphertext(mustHex(t, s))
		if err != nil {
			t.Fatal(err)
		}
		cts = append(cts, ct)
	}
	var valid []*DecryptionShare
	for _, m := range v.Shares {
		ds, err := DecodeDecryptionShare(mustHex(t, m.Message))
		if err == nil {
			err = VerifyDecryptionShare(ds, res.PublicShares[ds.Guardian-1], cts, ctx)
		}
		checkErr(t, m, err)
		if err == nil {
			valid = append(valid, ds)
		}
	}
	values, err := Combine(p, cts, valid)
	if err != nil {
		t.Fatal(err)
	}
	for k, m := range v.Plaintexts {
		if values[k].Equal(ristretto255.NewIdentityElement().ScalarBaseMult(group.ScalarFromUint64(m))) != 1 {
			t.Fatalf("ciphertext %d does not decrypt to %d", k, m)
		}
	}
}

func checkErr(t *testing.T, m messageVector, err error) {
	t.Helper()
	switch {
	case m.WantErr == "" && err != nil:
		t.Errorf("%s (guardian %d): %v", m.Desc, m.Guardian, err)
	case m.WantErr == "malformed" && !isErr(err, ErrMalformed):
		t.Errorf("%s: got %v, want malformed", m.Desc, err)
	case m.WantErr == "invalid" && !isErr(err, ErrInvalid):
		t.Errorf("%s: got %v, want invalid", m.Desc, err)
	}
}
