package tiles

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// The shape of the tiles (C2SP tlog-tiles): each tile holds up to 256
// hashes, a subtree of height 8, and each entry bundle up to 256 entries.
const (
	Height = 8
	Width  = 1 << Height

	// EntriesLevel is the Level of an entry bundle.
	EntriesLevel = -1
)

// A Tile names one resource of a tiled log: a hash tile of a Level from 0
// to 63, or an entry bundle (Level EntriesLevel). N is its index within the
// level and W its width, from 1 to 256; a tile narrower than 256 is
// partial.
//
// The n-th hash tile of level l holds the hashes of the subtrees of 256^l
// entries that start at entry (256n + i)·256^l, for i from 0 to W−1; at
// level 0 these are the leaf hashes. The n-th entry bundle holds the
// entries 256n to 256n + W − 1.
type Tile struct {
	Level int
	N     int64
	W     int
}

// ErrPath is the error of ParsePath.
var ErrPath = errors.New("tiles: malformed tile path")

// maxN keeps 256·N within int64.
const maxN = math.MaxInt64 >> Height

// Path returns the tile's path below the log's prefix:
//
//	tile/<L>/<N>[.p/<W>]
//	tile/entries/<N>[.p/<W>]
//
// where <N> is written in groups of three digits, every group but the last
// prefixed with x (1234067 is x001/x234/067), and .p/<W> appears only for
// a partial tile.
func (t Tile) Path() string {
	var b strings.Builder
	b.WriteString("tile/")
	if t.Level == EntriesLevel {
		b.WriteString("entries")
	} else {
		b.WriteString(strconv.Itoa(t.Level))
	}
	b.WriteByte('/')
	var groups []string
	n := t.N
	for {
		groups = append(groups, fmt.Sprintf("%03d", n%1000))
		if n /= 1000; n == 0 {
			break
		}
	}
	for i := len(groups) - 1; i > 0; i-- {
		b.WriteString("x" + groups[i] + "/")
	}
	b.WriteString(groups[0])
	if t.W != Width {
		fmt.Fprintf(&b, ".p/%d", t.W)
	}
	return b.String()
}

// ParsePath parses a tile path strictly: it accepts exactly the paths that
// Path writes.
func ParsePath(p string) (Tile, error) {
	bad := func(why string) (Tile, error) { return Tile{}, fmt.Errorf("%w %.80q: %s", ErrPath, p, why) }
	if len(p) > 64 {
		return bad("too long")
	}
	rest, ok := strings.CutPrefix(p, "tile/")
	if !ok {
		return bad("not under tile/")
	}
	level, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return bad("no index")
	}
	var t Tile
	if level == "entries" {
		t.Level = EntriesLevel
	} else {
		l, err := strconv.Atoi(level)
		if err != nil || l < 0 || l > 63 {
			return bad("level is not 0 to 63")
		}
		t.Level = l
	}
	t.W = Width
	if i := strings.Index(rest, ".p/"); i >= 0 {
		w, err := strconv.Atoi(rest[i+len(".p/"):])
		if err != nil || w < 1 || w >= Width {
			return bad("width is not 1 to 255")
		}
		t.W, rest = w, rest[:i]
	}
	groups := strings.Split(rest, "/")
	for i, g := range groups {
		if i < len(groups)-1 {
			if g, ok = strings.CutPrefix(g, "x"); !ok {
				return bad("index group without x")
			}
		}
		if len(g) != 3 || strings.Trim(g, "0123456789") != "" {
			return bad("index group is not three digits")
		}
		d, _ := strconv.Atoi(g)
		if t.N > (maxN-int64(d))/1000 {
			return bad("index too large")
		}
		t.N = t.N*1000 + int64(d)
	}
	if t.Path() != p {
		return bad("not canonical")
	}
	return t, nil
}

// within reports whether a parsed tile exists in a tree of the given size:
// it spans hashes (or entries) [256N, 256N + W) of its level, of which the
// tree has size / 256^level. (ParsePath bounds N so this cannot overflow.)
func (t Tile) within(size uint64) bool {
	n := size
	if t.Level > 0 {
		n = size >> uint(Height*t.Level)
	}
	return t.N >= 0 && t.N <= maxN && uint64(t.N)*Width+uint64(t.W) <= n
}

// tlogTile converts to golang.org/x/mod/sumdb/tlog's Tile, whose level −1
// is the data tile.
func (t Tile) tlogTile() tlog.Tile { return tlog.Tile{H: Height, L: t.Level, N: t.N, W: t.W} }

func fromTlog(t tlog.Tile) Tile { return Tile{Level: t.L, N: t.N, W: t.W} }
