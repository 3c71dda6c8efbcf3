package msm

import (
	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/group"
)

// The bucket method adds each point into a bucket once per digit position
// (about twenty times for 253-bit scalars), so its additions are done here
// on the curve's coordinates directly: every input point is first brought
// to affine form (one field inversion for all of them, by Montgomery's
// trick), and each addition into a bucket is then a mixed addition of 7
// field multiplications instead of ristretto255's 9, without its
// per-call checks and copies.
//
// The points' coordinates are read through group.Edwards.

// d2 is 2·d, where d = −121665/121666 is the curve's constant.
var d2 = func() *field.Element {
	small := func(v uint32) *field.Element {
		var buf [32]byte
		buf[0], buf[1], buf[2] = byte(v), byte(v>>8), byte(v>>16)
		e, err := new(field.Element).SetBytes(buf[:])
		if err != nil {
			panic(err)
		}
		return e
	}
	var d field.Element
	d.Invert(small(121666))
	d.Multiply(&d, small(121665))
	d.Negate(&d)
	return new(field.Element).Add(&d, &d)
}()

// extended is a point in extended coordinates: x = X/Z, y = Y/Z, xy = T/Z.
type extended struct {
	X, Y, Z, T field.Element
}

// niels is an affine point prepared for mixed addition.
type niels struct {
	yPlusX, yMinusX, xy2d field.Element
}

func (p *extended) identity() {
	p.X.Zero()
	p.Y.One()
	p.Z.One()
	p.T.Zero()
}

// addNiels sets p = p + q, or p − q if neg.
func (p *extended) addNiels(q *niels, neg bool) {
	var yPlusX, yMinusX, pp, mm, tt2d, z2 field.Element
	yPlusX.Add(&p.Y, &p.X)
	yMinusX.Subtract(&p.Y, &p.X)
	if neg {
		pp.Multiply(&yPlusX, &q.yMinusX)
		mm.Multiply(&yMinusX, &q.yPlusX)
	} else {
		pp.Multiply(&yPlusX, &q.yPlusX)
		mm.Multiply(&yMinusX, &q.yMinusX)
	}
	tt2d.Multiply(&p.T, &q.xy2d)
	z2.Add(&p.Z, &p.Z)
	var x, y, z, t field.Element
	x.Subtract(&pp, &mm)
	y.Add(&pp, &mm)
	if neg {
		z.Subtract(&z2, &tt2d)
		t.Add(&z2, &tt2d)
	} else {
		z.Add(&z2, &tt2d)
		t.Subtract(&z2, &tt2d)
	}
	p.X.Multiply(&x, &t)
	p.Y.Multiply(&y, &z)
	p.Z.Multiply(&z, &t)
	p.T.Multiply(&x, &y)
}

// toNiels brings points to affine form with one inversion.
func toNiels(points []*ristretto255.Element) []niels {
	n := len(points)
	out := make([]niels, n)
	if n == 0 {
		return out
	}
	// prefix[i] = Z₀·…·Zᵢ
	prefix := make([]field.Element, n)
	for i, e := range points {
		_, _, z, _ := group.Edwards(e).ExtendedCoordinates()
		if i == 0 {
			prefix[0].Set(z)
		} else {
			prefix[i].Multiply(&prefix[i-1], z)
		}
	}
	var inv field.Element
	inv.Invert(&prefix[n-1])
	for i := n - 1; i >= 0; i-- {
		X, Y, Z, _ := group.Edwards(points[i]).ExtendedCoordinates()
		var zinv field.Element
		if i > 0 {
			zinv.Multiply(&inv, &prefix[i-1])
			inv.Multiply(&inv, Z)
		} else {
			zinv.Set(&inv)
		}
		var x, y field.Element
		x.Multiply(X, &zinv)
		y.Multiply(Y, &zinv)
		out[i].yPlusX.Add(&y, &x)
		out[i].yMinusX.Subtract(&y, &x)
		out[i].xy2d.Multiply(&x, &y)
		out[i].xy2d.Multiply(&out[i].xy2d, d2)
	}
	return out
}

// point returns p as an edwards25519 point.
func (p *extended) point() *edwards25519.Point {
	q, err := new(edwards25519.Point).SetExtendedCoordinates(&p.X, &p.Y, &p.Z, &p.T)
	if err != nil {
		panic("msm: a sum left the curve: " + err.Error())
	}
	return q
}
