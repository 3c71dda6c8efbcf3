package tiles

import (
	"bytes"
	"testing"
)

func FuzzParsePath(f *testing.F) {
	for _, p := range []string{
		"tile/0/000", "tile/0/x001/x234/067", "tile/entries/001.p/44", "tile/63/999.p/255",
		"tile/0/000.p/0", "tile/00/000", "checkpoint",
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		tile, err := ParsePath(p)
		if err != nil {
			return
		}
		if got := tile.Path(); got != p {
			t.Fatalf("ParsePath(%q) = %+v, which is %q", p, tile, got)
		}
		if tile.W < 1 || tile.W > Width || tile.N < 0 || tile.Level < EntriesLevel || tile.Level > 63 {
			t.Fatalf("ParsePath(%q) = %+v out of range", p, tile)
		}
	})
}

func FuzzParseBundle(f *testing.F) {
	f.Add(AppendBundle(nil, [][]byte{[]byte("{}"), []byte(`{"n":1}`)}), 2)
	f.Add(AppendBundle(nil, [][]byte{bytes.Repeat([]byte("L"), 70000)}), 1)
	f.Add([]byte{0, 0, 0, 0, 0, 2, '{', '}'}, 1)
	f.Fuzz(func(t *testing.T, data []byte, width int) {
		entries, err := ParseBundle(data, width)
		if err != nil {
			return
		}
		if got := AppendBundle(nil, entries); !bytes.Equal(got, data) {
			t.Fatalf("bundle %x re-encodes as %x", data, got)
		}
	})
}
