package ballotbox

// StallForTest stops the pipeline before its next batch is verified, until
// release is called.
func StallForTest(b *Box) (release func()) {
	b.mu.Lock()
	return b.mu.Unlock
}
