package sign

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/deatil/go-cryptobin/hash/gost/gost34112012256"
	"github.com/deatil/go-cryptobin/pubkey/gost"
)

const standardPath = "testdata/gost_standard_vectors.json"

// standardFile is testdata/gost_standard_vectors.json: the standards' own
// examples, written by hand from GOST R 34.10-2012, GOST R 34.11-2012 and
// RFCs 4357, 6986 and 7091.
type standardFile struct {
	Comment string `json:"comment"`
	Curves  []struct {
		Desc, Name, P, A, B, Q, X, Y string
	} `json:"curves"`
	Streebog256 []struct {
		Desc    string   `json:"desc"`
		Message hexBytes `json:"message"`
		Digest  hexBytes `json:"digest"`
	} `json:"streebog256"`
	GOST34102012 []struct {
		Desc, Curve, D, Qx, Qy, Alpha, K, R, S string
		Digest                                 hexBytes `json:"digest"`
		PublicKey                              hexBytes `json:"publicKey"`
		Signature                              hexBytes `json:"signature"`
	} `json:"gost34102012"`
}

func num(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("not a hex number: %q", s)
	}
	return n
}

// TestStandardCurves: the library's curve constants are the standards'.
func TestStandardCurves(t *testing.T) {
	var f standardFile
	readJSON(t, standardPath, &f)
	lib := map[string]*gost.Curve{"test": gost.CurveIdGostR34102001TestParamSet(), "cryptopro-a": gostCurve}
	if len(f.Curves) != len(lib) {
		t.Fatalf("%d curves in the file", len(f.Curves))
	}
	for _, c := range f.Curves {
		l := lib[c.Name]
		if l == nil {
			t.Fatalf("unknown curve %q", c.Name)
		}
		for _, x := range []struct {
			name      string
			want, got *big.Int
		}{{"p", num(t, c.P), l.P}, {"a", num(t, c.A), l.A}, {"b", num(t, c.B), l.B}, {"q", num(t, c.Q), l.Q}, {"x", num(t, c.X), l.X}, {"y", num(t, c.Y), l.Y}} {
			if x.want.Cmp(x.got) != 0 {
				t.Errorf("%s: %s = %x, the standard says %x", c.Name, x.name, x.got, x.want)
			}
		}
		// Cofactor 1: q·P is the neutral element only if the group order is
		// q; for a prime-order curve every point but O is a generator.
		if !l.IsOnCurve(l.X, l.Y) || !l.Q.ProbablyPrime(32) || !l.P.ProbablyPrime(32) {
			t.Errorf("%s: not a prime-order curve with its base point", c.Name)
		}
	}
}

func TestStandardStreebog(t *testing.T) {
	var f standardFile
	readJSON(t, standardPath, &f)
	if len(f.Streebog256) == 0 {
		t.Fatal("no Streebog vectors")
	}
	for _, v := range f.Streebog256 {
		h := gost34112012256.New()
		h.Write(v.Message)
		if got := h.Sum(nil); !bytes.Equal(got, v.Digest) {
			t.Errorf("%s: %x, want %x", v.Desc, got, v.Digest)
		}
	}
}

// TestStandardGOST34102012 runs GOST R 34.10-2012 Appendix A.1 through the
// package's own steps: the digest to e, the key to Q, signing with the
// standard's k, the encodings, and verification.
func TestStandardGOST34102012(t *testing.T) {
	var f standardFile
	readJSON(t, standardPath, &f)
	if len(f.GOST34102012) == 0 {
		t.Fatal("no GOST R 34.10-2012 vectors")
	}
	for _, v := range f.GOST34102012 {
		if v.Curve != "test" {
			t.Fatalf("%s: curve %q", v.Desc, v.Curve)
		}
		c := gost.CurveIdGostR34102001TestParamSet()
		e := gostE(c, v.Digest)
		if want := new(big.Int).Mod(num(t, v.Alpha), c.Q); e.Cmp(want) != 0 {
			t.Errorf("%s: e = %x, want α mod q = %x", v.Desc, e, want)
		}
		d := num(t, v.D)
		qx, qy := c.ScalarBaseMult(d.Bytes())
		if qx.Cmp(num(t, v.Qx)) != 0 || qy.Cmp(num(t, v.Qy)) != 0 {
			t.Errorf("%s: Q = (%x, %x)", v.Desc, qx, qy)
		}
		if got := gostEncodePoint(qx, qy); !bytes.Equal(got, v.PublicKey) {
			t.Errorf("%s: public key encoding %x, want %x", v.Desc, got, v.PublicKey)
		}
		r, s, ok := gostSignWithNonce(c, d, e, num(t, v.K))
		if !ok || r.Cmp(num(t, v.R)) != 0 || s.Cmp(num(t, v.S)) != 0 {
			t.Fatalf("%s: r = %x, s = %x", v.Desc, r, s)
		}
		if got := gostEncodeSignature(r, s); !bytes.Equal(got, v.Signature) {
			t.Errorf("%s: signature encoding %x, want %x", v.Desc, got, v.Signature)
		}
		px, py, err := gostDecodePoint(c, v.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		dr, ds, err := gostDecodeSignature(c, v.Signature)
		if err != nil {
			t.Fatal(err)
		}
		if !gostVerifyRS(c, px, py, e, dr, ds) {
			t.Errorf("%s: the standard's signature does not verify", v.Desc)
		}
		if gostVerifyRS(c, px, py, new(big.Int).Add(e, big.NewInt(1)), dr, ds) {
			t.Errorf("%s: verifies for another digest", v.Desc)
		}
	}
}
