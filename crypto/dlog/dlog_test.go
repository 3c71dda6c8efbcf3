package dlog

import (
	"errors"
	"testing"

	"github.com/gtank/ristretto255"
	"pgregory.net/rapid"
)

func mul(m uint64) *ristretto255.Element {
	return ristretto255.NewIdentityElement().ScalarBaseMult(scalar(m))
}

func TestKnownLogs(t *testing.T) {
	tab := NewTable(10000)
	for _, m := range []uint64{0, 1, 2, 99, 100, 101, 5000, 9999, 10000} {
		got, err := tab.VarTimeLog(mul(m))
		if err != nil || got != m {
			t.Errorf("log of %d·G: got %d, %v", m, got, err)
		}
	}
	for _, m := range []uint64{10001, 10200, 1 << 30} {
		if _, err := tab.VarTimeLog(mul(m)); !errors.Is(err, ErrNotFound) {
			t.Errorf("%d beyond the bound: got %v, want ErrNotFound", m, err)
		}
	}
	// A point that is no small multiple of G at all.
	seed := make([]byte, 64)
	copy(seed, "a point whose logarithm nobody knows")
	p := ristretto255.NewIdentityElement().FromUniformBytes(seed)
	if _, err := tab.VarTimeLog(p); !errors.Is(err, ErrNotFound) {
		t.Errorf("random point: got %v", err)
	}
}

func TestSmallTables(t *testing.T) {
	for _, max := range []uint64{0, 1, 2, 3, 4} {
		tab := NewTable(max)
		for m := uint64(0); m <= max; m++ {
			if got, err := tab.VarTimeLog(mul(m)); err != nil || got != m {
				t.Errorf("max %d: log %d: got %d, %v", max, m, got, err)
			}
		}
		if _, err := tab.VarTimeLog(mul(max + 1)); !errors.Is(err, ErrNotFound) {
			t.Errorf("max %d: %d found", max, max+1)
		}
	}
}

func TestLogProperty(t *testing.T) {
	tab := NewTable(1 << 20)
	rapid.Check(t, func(t *rapid.T) {
		m := rapid.Uint64Range(0, 1<<20).Draw(t, "m")
		got, err := tab.VarTimeLog(mul(m))
		if err != nil || got != m {
			t.Fatalf("log of %d·G: got %d, %v", m, got, err)
		}
	})
}

func BenchmarkNewTable1e7(b *testing.B) {
	for b.Loop() {
		NewTable(10_000_000)
	}
}

func BenchmarkLogWorstCase1e7(b *testing.B) {
	tab := NewTable(10_000_000)
	p := mul(10_000_000)
	for b.Loop() {
		if _, err := tab.VarTimeLog(p); err != nil {
			b.Fatal(err)
		}
	}
}
