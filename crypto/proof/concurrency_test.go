package proof

import (
	"sync"
	"testing"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/internal/seeded"
)

// TestRangeVerifyIsSafeForConcurrentUse verifies one decoded range proof
// from two goroutines at once, in its own context (it must verify) and in
// another (it must not). A verifier that keeps the challenge it derives in
// the proof lets each goroutine read the other's challenge: the proof is
// then accepted in the wrong context or rejected in its own. Run with -race
// to see the data race itself.
func TestRangeVerifyIsSafeForConcurrentUse(t *testing.T) {
	rand := seeded.Reader("concurrent verification")
	_, pk := electionKey(t, rand)
	r := randomSecret(t, rand)
	ct := elgamal.Encrypt(pk, 1, r)
	own, other := []byte("ballot 1, option 0"), []byte("ballot 2, option 0")
	p, err := ProveRange(testTranscript(own), pk, ct, ct.Bytes(), 0, 1, 1, r, rand)
	if err != nil {
		t.Fatal(err)
	}
	q, err := DecodeRange(p.Bytes(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 500
	var wrongAccepts, wrongRejects int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, ctx := range [][]byte{own, other} {
		wg.Add(1)
		go func(ctx []byte, valid bool) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				ok := q.Verify(testTranscript(ctx), pk, ct, ct.Bytes(), 0, 1) == nil
				mu.Lock()
				switch {
				case ok && !valid:
					wrongAccepts++
				case !ok && valid:
					wrongRejects++
				}
				mu.Unlock()
			}
		}(ctx, &ctx[0] == &own[0])
	}
	wg.Wait()
	if wrongAccepts != 0 || wrongRejects != 0 {
		t.Errorf("concurrent verification of one proof: %d of %d accepted in the wrong context, %d of %d rejected in their own",
			wrongAccepts, rounds, wrongRejects, rounds)
	}
}
