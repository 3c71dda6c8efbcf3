//go:build !js && !wasip1

package ledger_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urna-vote/urna/internal/seeded"
	"github.com/urna-vote/urna/ledger"
)

// A voter's receipt: the index of the ballot's entry, the checkpoint signed
// after it was appended, and an inclusion proof. Later, anyone checks that
// the final checkpoint extends the receipt's.
func Example_receipt() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "ledger-example")
	defer os.RemoveAll(dir)

	origin := "urna.example/elections/example"
	skey, vkey, _ := ledger.GenerateKey(seeded.Reader("example"), origin) // use crypto/rand
	signer, _ := ledger.NewSigner(skey)
	l, err := ledger.Open(ctx, filepath.Join(dir, "election.db"), ledger.Options{Origin: origin, Signer: signer})
	if err != nil {
		panic(err)
	}
	defer l.Close()

	l.Append(ctx, []byte(`{"type":"election"}`))
	ballot := []byte(`{"type":"ballot","n":1}`)
	index, _ := l.Append(ctx, ballot)

	// The receipt, given to the voter.
	head, signed := l.Checkpoint()
	proof, _ := l.InclusionProof(index, head.Size)

	// More entries; the final checkpoint.
	l.Append(ctx, []byte(`{"type":"ballot","n":2}`))
	l.Append(ctx, []byte(`{"type":"close"}`))
	final, _ := l.Checkpoint()
	consistency, _ := l.ConsistencyProof(head.Size, final.Size)

	// The voter's (or anyone's) checks, with no access to the store.
	verifier, _ := ledger.NewVerifier(vkey)
	receipt, err := ledger.OpenCheckpoint(signed, verifier)
	fmt.Println("checkpoint:", err)
	fmt.Println("inclusion:", ledger.VerifyInclusion(ballot, index, receipt, proof))
	fmt.Println("consistency:", ledger.VerifyConsistency(receipt, final, consistency))
	// Output:
	// checkpoint: <nil>
	// inclusion: <nil>
	// consistency: <nil>
}
