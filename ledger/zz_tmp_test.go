package ledger

import "testing"

func BenchmarkTmpNoCkpt(b *testing.B) {
	old := benchOpts
	benchOpts = Options{noAutoCheckpoint: true}
	defer func() { benchOpts = old }()
	benchAppend(b, 64, 0)
}
